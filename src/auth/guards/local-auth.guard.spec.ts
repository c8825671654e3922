import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { LoginFlow } from '../../credentials/services/login-flow.service';
import type { User } from '../../users/entities/user.entity';
import { LocalStrategy } from '../strategies/local.strategy';
import { LocalAuthGuard } from './local-auth.guard';

describe(LocalAuthGuard.name, () => {
  const outcome = { user: { id: 7 } as User, deviceToken: 'dt', amr: ['pwd'] };
  // Registers the 'local' strategy with passport, over a stub of the login flow.
  new LocalStrategy({
    withPassword: () => Promise.resolve(outcome),
  } as unknown as LoginFlow);

  it('hands the login outcome over on its own property, so request.user never holds anything but a principal', async () => {
    const request: Record<string, unknown> = {
      body: { username: 'alice', password: 'correct horse' },
      headers: {},
    };
    const context = new ExecutionContextHost([request, {}]);
    context.setType('http');

    await expect(new LocalAuthGuard().canActivate(context)).resolves.toBe(true);

    expect(request.user).toBeUndefined();
    expect(request.loginOutcome).toBe(outcome);
  });
});
