// Renders a composed notification into its text and HTML bodies with Eta: templates are compiled
// once; the HTML engine escapes every interpolation (& < > " '), the text engine escapes nothing.

import { Eta } from 'eta';

import type { ComposedNotification } from '../domain/compose-notification';
import { NOTIFICATION_HTML_TEMPLATE } from './notification-html.template';
import { NOTIFICATION_TEXT_TEMPLATE } from './notification-text.template';

export interface RenderedBodies {
  readonly text: string;
  readonly html: string;
}

const TEMPLATE = '@notification';

function engine(autoEscape: boolean, template: string): Eta {
  // No automatic trimming: control tags trim their own newline with `-%>`. useWith stays off.
  const eta = new Eta({ autoEscape, autoTrim: false, cache: true, useWith: false });
  eta.loadTemplate(TEMPLATE, template);
  return eta;
}

const html = engine(true, NOTIFICATION_HTML_TEMPLATE);
const text = engine(false, NOTIFICATION_TEXT_TEMPLATE);

export function renderNotification(notification: ComposedNotification): RenderedBodies {
  const data = { ...notification.view, subject: notification.subject };
  return {
    text: text.render(TEMPLATE, data),
    html: html.render(TEMPLATE, data),
  };
}
