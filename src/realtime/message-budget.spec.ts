import { MessageBudget } from './message-budget';

describe(MessageBudget.name, () => {
  it('dispatches up to the budget, refuses as many again, then closes', () => {
    const budget = new MessageBudget(3);
    const verdicts = Array.from({ length: 7 }, () => budget.take(1_000));
    expect(verdicts).toEqual([
      'dispatch',
      'dispatch',
      'dispatch',
      'refuse',
      'refuse',
      'refuse',
      'close',
    ]);
  });

  it('starts afresh each second', () => {
    const budget = new MessageBudget(1);
    expect(budget.take(1_000)).toBe('dispatch');
    expect(budget.take(1_999)).toBe('refuse');
    expect(budget.take(2_000)).toBe('dispatch');
  });
});
