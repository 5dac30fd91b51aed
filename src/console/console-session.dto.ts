import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { USERNAME_PATTERN } from '../directory/directory.dto.js';

export class SignInDto {
  /** The Portcullis key to sign in with (bearer or basic). */
  @IsString()
  @MinLength(1, { message: 'is required' })
  @MaxLength(200)
  key: string;

  /** For a basic key only: its owner's username. */
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'is not a valid username' })
  username?: string;
}

/** Who is signed in, what the console may show them, and the token their changes must carry. */
export interface ConsoleSessionDto {
  username: string;
  displayName: string | null;
  groups: string[];
  /** Member of the admins group: the admin pages work. */
  admin: boolean;
  /** Users may create their own keys ("My keys"). */
  selfServiceKeys: boolean;
  /** Portcullis checks requests; false: switched off, every request passes (the console warns). */
  checking: boolean;
  /** The longest lifetime a new key may have (null: no limit): the key forms offer no longer. */
  maxKeyLifetime: string | null;
  /** The id of the key the session was opened with (null: through a provider): revoking it signs
   * this session out, which the console warns of. */
  signInKeyId: string | null;
  csrfToken: string;
  expiresAt: string;
}
