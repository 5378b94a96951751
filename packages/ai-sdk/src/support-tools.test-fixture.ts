/** Tool declarations and AI SDK tools of a small support desk, shared by the integration tests. */
import { tool } from 'ai';
import type { ToolSet } from 'ai';
import { z } from 'zod';

export const DECLARATIONS = {
  tools: [
    { name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
    { name: 'refund_issue', actionClass: 'A3', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } },
    { name: 'refund_large', actionClass: 'A4', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } },
    { name: 'email_send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
  ],
};

/** Real tool functions with a log of what actually ran. */
export function supportTools(ticket: string): { ran: string[]; tools: ToolSet } {
  const ran: string[] = [];
  return {
    ran,
    tools: {
      tickets_read: tool({
        description: 'Read a support ticket',
        inputSchema: z.object({ id: z.string() }),
        execute: ({ id }) => {
          ran.push(`tickets_read ${id}`);
          return { id, body: ticket };
        },
      }),
      refund_issue: tool({
        description: 'Refund an order (small amounts)',
        inputSchema: z.object({ order: z.string(), amount: z.number() }),
        execute: ({ order, amount }) => {
          ran.push(`refund_issue ${order} ${amount}`);
          return { refunded: amount, order };
        },
      }),
      refund_large: tool({
        description: 'Refund an order above 500 EUR',
        inputSchema: z.object({ order: z.string(), amount: z.number() }),
        execute: ({ order, amount }) => {
          ran.push(`refund_large ${order} ${amount}`);
          return { refunded: amount, order };
        },
      }),
      email_send: tool({
        description: 'Email a customer',
        inputSchema: z.object({ to: z.string(), body: z.string() }),
        execute: ({ to }) => {
          ran.push(`email_send ${to}`);
          return { sent: true };
        },
      }),
    },
  };
}
