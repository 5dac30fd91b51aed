import { redactCredentials } from '../../src/common/redact-credentials.js';
import { generateKey } from '../../src/keys/key-format.js';

describe(redactCredentials.name, () => {
  const key = generateKey().plaintext;
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

  it.each([
    [`Cannot GET /oauth2/introspect?token=${key}`, 'Cannot GET /oauth2/introspect?…'],
    ['Cannot GET /v1/x?access_token=abc&y=1 (sent)', 'Cannot GET /v1/x?… (sent)'],
    [`No key named ${key}`, 'No key named pcl_…'],
    [`token ${jwt} refused`, 'token [a JWT] refused'],
    ['header was Bearer abc.def-123', 'header was Bearer …'],
    ['header was basic dXNlcjpwYXNz', 'header was basic …'],
  ])('masks %j', (detail, masked) => {
    expect(redactCredentials(detail)).toBe(masked);
  });

  it.each([
    'No user with id 2c0d7a3e-0b4a-4a8e-9d55-0f7a3c1b2e4f',
    'must be a string',
    'Key "laptop" exists',
  ])('leaves %j as it is', (detail) => expect(redactCredentials(detail)).toBe(detail));
});
