// A small typed vocabulary over the Grafana Foundation SDK: every panel is a titled list of
// PromQL queries, laid out in rows of equal-width panels, with the datasource chosen by the
// dashboard's `datasource` variable.
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  kind?: 'timeseries' | 'stat';
  stacked?: boolean;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
  /** Panels per line (24 grid columns shared equally). */
  perLine?: number;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  rows: RowSpec[];
}

export const q = (expr: string, legend: string): Query => ({ expr, legend });

const PANEL_HEIGHT = 8;
const STAT_HEIGHT = 4;

function targets(spec: PanelSpec): DataqueryBuilder[] {
  return spec.queries.map((query, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(query.expr)
      .legendFormat(query.legend)
      .range(),
  );
}

function panel(
  spec: PanelSpec,
  id: number,
  gridPos: { x: number; y: number; w: number; h: number },
) {
  if (spec.kind === 'stat') {
    let builder = new stat.PanelBuilder()
      .id(id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .gridPos(gridPos)
      .graphMode(common.BigValueGraphMode.Area)
      .colorMode(common.BigValueColorMode.Value)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    for (const target of targets(spec)) builder = builder.withTarget(target);
    return builder;
  }
  let builder = new timeseries.PanelBuilder()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .gridPos(gridPos)
    .lineWidth(1)
    .fillOpacity(spec.stacked ? 40 : 10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    );
  if (spec.stacked) {
    builder = builder.stacking(
      new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'),
    );
  }
  for (const target of targets(spec)) builder = builder.withTarget(target);
  return builder;
}

/** Builds the Grafana dashboard model (schema of Grafana 11/12) from a spec. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  let builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(1)
    .withVariable(
      new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    );
  let y = 0;
  let id = 0;
  for (const row of spec.rows) {
    builder = builder.withRow(new RowBuilder(row.title).id(++id).gridPos({ x: 0, y, w: 24, h: 1 }));
    y += 1;
    const perLine = row.perLine ?? 2;
    const w = Math.floor(24 / perLine);
    row.panels.forEach((p, i) => {
      const h = p.kind === 'stat' ? STAT_HEIGHT : PANEL_HEIGHT;
      const line = Math.floor(i / perLine);
      builder = builder.withPanel(panel(p, ++id, { x: (i % perLine) * w, y: y + line * h, w, h }));
    });
    const lines = Math.ceil(row.panels.length / perLine);
    const h = row.panels.some((p) => p.kind !== 'stat') ? PANEL_HEIGHT : STAT_HEIGHT;
    y += lines * h;
  }
  return builder.build();
}
