/** `smscd forwarding on|off|status`: the global switch (SPEC §1). */
import type { Command } from 'commander';
import { SWITCH_KEY } from '../forwarding/policy.js';
import { print, withCommonOptions, withStore, type CommonOptions } from './common.js';

/** Registers the `forwarding` command group. */
export function forwardingCommands(program: Command): void {
  const forwarding = program.command('forwarding').description('the global switch: off = nothing forwarded and no SMPP receipts sent');
  for (const state of ['on', 'off'] as const) {
    withCommonOptions(forwarding.command(state).description(`switch all forwarding ${state}`)).action((options: CommonOptions) => {
      withStore(options, (store) => store.settings.set(SWITCH_KEY, state));
      console.log(`forwarding ${state}`);
    });
  }
  withCommonOptions(forwarding.command('status').description('show the switch and the outbox'))
    .option('--json', 'print as JSON')
    .action((options: CommonOptions) => {
      const status = withStore(options, (store) => {
        const counts = store.outbox.counts();
        return {
          forwarding: store.settings.get(SWITCH_KEY) === 'off' ? 'off' : 'on',
          pending: counts.pending,
          delivered: counts.delivered,
          failed: counts.failed,
          receiptsOwed: store.receipts.countPending(),
        };
      });
      print(status, options.json);
    });
}
