// What an API client sees of a port-out: the stored request plus what follows from it.
import type { PortOutRequest } from './types.ts';

export type PortOutView = PortOutRequest & {
  numberCount: number;
  /** E.164 numbers that came to us by a port-in: their inbound calls and faxes stop when they leave. */
  portedInNumbers: string[];
  /** Never: the gaining carrier started it (only it can withdraw). */
  cancellable: false;
};

/** What the API returns: the request plus derived `numberCount`, `portedInNumbers` (E.164 of lines with origin ported_in), `cancellable: false`. */
export function viewPortOut(portOut: PortOutRequest): PortOutView {
  return {
    ...portOut,
    numberCount: portOut.lines.length,
    portedInNumbers: portOut.lines.filter((l) => l.origin === 'ported_in').map((l) => l.e164),
    cancellable: false,
  };
}
