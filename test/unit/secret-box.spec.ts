import { SecretBox } from '../../src/crypto/secret-box.js';

describe(SecretBox.name, () => {
  const box = new SecretBox('a-server-secret-that-is-long-enough-1234');

  it('opens what it sealed for the same record, and never shows the plaintext', () => {
    const sealed = box.seal('client-secret-42', 'provider-1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('client-secret-42');
    expect(box.open(sealed, 'provider-1')).toBe('client-secret-42');
  });

  it('seals the same secret differently every time', () => {
    expect(box.seal('s', 'p')).not.toBe(box.seal('s', 'p'));
  });

  it('refuses a sealed secret copied to another record, or tampered with', () => {
    const sealed = box.seal('client-secret-42', 'provider-1');
    expect(() => box.open(sealed, 'provider-2')).toThrow();
    const [v, iv, data, tag] = sealed.split('.');
    // The first character carries whole bits (the last may be padding only).
    const flipped = (data!.startsWith('A') ? 'B' : 'A') + data!.slice(1);
    expect(() => box.open([v, iv, flipped, tag].join('.'), 'provider-1')).toThrow();
    expect(() => box.open('nonsense', 'provider-1')).toThrow('Not a sealed secret');
  });

  it('needs the same server secret', () => {
    const sealed = box.seal('client-secret-42', 'provider-1');
    expect(() =>
      new SecretBox('another-server-secret-long-enough-5678').open(sealed, 'provider-1'),
    ).toThrow();
  });

  it('opens what the previous secret sealed while rotating, and says it should be sealed again', () => {
    const previous = 'the-previous-server-secret-long-enough-1234';
    const current = 'the-current-server-secret-long-enough-56789';
    const old = new SecretBox(previous).seal('client-secret-42', 'provider-1');
    const rotating = new SecretBox(current, previous);
    expect(rotating.open(old, 'provider-1')).toBe('client-secret-42');
    expect(rotating.sealedUnderPrevious(old, 'provider-1')).toBe(true);
    const resealed = rotating.seal('client-secret-42', 'provider-1');
    expect(rotating.sealedUnderPrevious(resealed, 'provider-1')).toBe(false);
    expect(new SecretBox(current).open(resealed, 'provider-1')).toBe('client-secret-42');
    expect(() => new SecretBox(current).open(old, 'provider-1')).toThrow();
  });
});
