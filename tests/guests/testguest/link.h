/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The serial link to a peer VM (link= and peer=): a 16550 whose transmitter is wired to
 * the peer's receiver and back (a vUART link). See link.c for the protocol.
 */
#ifndef TESTGUEST_LINK_H
#define TESTGUEST_LINK_H

/*
 * Early at boot, with link=: checks that a UART answers at the port and programs it.
 * Early, because programming the FIFOs clears them, and the peer may greet at any time.
 */
void link_init(void);

/*
 * During the heartbeat: reads the lines the peer sent since the link test and answers
 * each greeting with "hello again from <name>". Never waits.
 */
void link_serve(void);

#endif
