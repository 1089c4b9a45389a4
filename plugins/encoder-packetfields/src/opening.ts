/**
 * The directions a decoded flow must have at its start, applied to the generated values before
 * they become rows. The runner keys a flow by its first packet, so the initiator sends first,
 * and a TCP flow that opens with a SYN continues SYN-ACK from the responder, then the
 * initiator's ACK. A position whose generated direction is the other one is turned before its
 * sizes, gaps and windows are read (flowstats.ts), so it takes the values its new side sends at that rank
 * (with quantile scaling, a responder's full segment turned into the initiator's first packet
 * becomes the initiator's largest packet, not a 1500-byte client packet no real flow of the class
 * sent).
 */
import type { Direction } from '@netsynth/core';

/** Directions of a flow's first rows: the initiator first, then SYN-ACK and ACK for a TCP opening. */
export function openingDirections(opening: boolean): Direction[] {
  return opening ? [0, 1, 0] : [0];
}
