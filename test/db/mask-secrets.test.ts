/** No message, log or echoed statement may show a password. */
import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUrl } from '../../src/db/database-url.js';

describe('maskUrl', () => {
  it('masks the password of URLs of any scheme, up to the last @ of the URL', () => {
    expect(maskUrl('at postgresql://app:s3cret@db:5432/play-later-db now')).toBe('at postgresql://app:***@db:5432/play-later-db now');
    expect(maskUrl('"mysql://user:secret@localhost/play" uses')).toBe('"mysql://user:***@localhost/play" uses');
    expect(maskUrl('postgresql://u:p@ss@host/db')).toBe('postgresql://u:***@host/db');
    expect(maskUrl('postgresql://a:1@h/x and postgres://b:2@h/y')).toBe('postgresql://a:***@h/x and postgres://b:***@h/y');
  });

  it('masks ?password= (and sslpassword) in a URL query, and password= of key=value settings, quoted or not', () => {
    expect(maskUrl('postgresql://u@h/db?sslmode=require&password=s3cret&application_name=x')).toBe('postgresql://u@h/db?sslmode=require&password=***&application_name=x');
    expect(maskUrl('postgresql://u@h/db?sslpassword=k3y')).toBe('postgresql://u@h/db?sslpassword=***');
    expect(maskUrl("host=db password='it\\'s a secret' dbname=play")).toBe("host=db password='***' dbname=play");
    expect(maskUrl('host=db password = s3cret dbname=play')).toBe("host=db password = '***' dbname=play");
    expect(maskUrl('password=s3cret host=db')).toBe("password='***' host=db");
    expect(maskUrl('"host=db password=s3cret"')).toBe(`"host=db password='***'"`);
    // An unterminated quote masks to the end rather than show the rest.
    expect(maskUrl("host=db password='s3cret dbname=play")).toBe("host=db password='***'");
  });

  it('leaves URLs without a password and prose alone', () => {
    expect(maskUrl('postgresql://app@db/play')).toBe('postgresql://app@db/play');
    expect(maskUrl('put it after the user name (user:password@host)')).toBe('put it after the user name (user:password@host)');
  });
});

describe('maskSecrets', () => {
  it('also masks PASSWORD clauses of echoed SQL, quotes doubled inside included', () => {
    expect(maskSecrets("CREATE ROLE app LOGIN PASSWORD 'it''s secret' VALID UNTIL 'infinity'")).toBe(
      "CREATE ROLE app LOGIN PASSWORD '***' VALID UNTIL 'infinity'",
    );
    expect(maskSecrets("alter role app encrypted password 'x'")).toBe("alter role app encrypted password '***'");
  });
});
