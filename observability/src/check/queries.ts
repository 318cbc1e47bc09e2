// The queries a dashboard runs, as Prometheus sees them: Grafana's `$__rate_interval` becomes a
// fixed window that spans several scrapes.
export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

interface DashboardJson {
  title: string;
  panels: { type: string; title: string; targets?: { refId: string; expr: string }[] }[];
}

export function dashboardQueries(dashboard: DashboardJson): PanelQuery[] {
  return dashboard.panels
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: dashboard.title,
        panel: p.title,
        refId: t.refId,
        expr: t.expr,
      })),
    );
}

export function forPrometheus(expr: string, rateWindow: string): string {
  return expr
    .replaceAll('$__rate_interval', rateWindow)
    .replaceAll('${__rate_interval}', rateWindow);
}
