import { describe, expect, it } from 'vitest';
import { encodeForm } from '../src/clerk/form.js';

describe('encodeForm', () => {
  it('encodes arrays as repeated keys without brackets', () => {
    expect(encodeForm({ email_address: ['a@x.com', 'b@x.com'] }).toString()).toBe('email_address=a%40x.com&email_address=b%40x.com');
  });

  it('encodes booleans as true/false and numbers as digits', () => {
    expect(encodeForm({ notify: false, other: true, limit: 10 }).toString()).toBe('notify=false&other=true&limit=10');
  });

  it('leaves undefined fields out and percent-encodes reserved characters', () => {
    expect(encodeForm({ role: 'org:admin', skipped: undefined, text: 'a b&c=d' }).toString()).toBe('role=org%3Aadmin&text=a+b%26c%3Dd');
  });

  it('keeps a "__proto__" field as data', () => {
    expect(encodeForm(Object.fromEntries([['__proto__', 'x']])).toString()).toBe('__proto__=x');
  });
});
