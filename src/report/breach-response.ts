import type { Tier } from '../domain/slo.js';

/** One step of a breach response: how soon, and what. */
export interface BreachStep {
  after: string;
  action: string;
}

/** What a breach tier asks of the team. */
export interface BreachResponse {
  title: string;
  steps: readonly BreachStep[];
}

/**
 * The breach-response tiers of the Rendiff FFmpeg API monitoring guide ("SLA Breach Response"),
 * word for word, so the report tells a reader what the tier they are in requires.
 */
export const BREACH_RESPONSES: Readonly<Record<Exclude<Tier, 'ok'>, BreachResponse>> = {
  critical: {
    title: 'Critical breach',
    steps: [
      { after: 'Immediate', action: 'Page on-call engineer' },
      { after: '5 minutes', action: 'Incident commander assigned' },
      { after: '15 minutes', action: 'War room established' },
      { after: '30 minutes', action: 'Mitigation plan in progress' },
    ],
  },
  warning: {
    title: 'Warning breach',
    steps: [
      { after: 'Immediate', action: 'Alert to ops team' },
      { after: '30 minutes', action: 'Investigation begins' },
      { after: '2 hours', action: 'Root cause analysis' },
      { after: '4 hours', action: 'Preventive measures implemented' },
    ],
  },
};
