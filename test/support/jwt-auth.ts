// A real JWT sign-in for the fromUser tests: @nestjs/passport with passport-jwt, tokens
// signed with jsonwebtoken. The user `validate()` returns holds more than the app lists in
// fromUser (an email and a password hash, as a database row would), so tests can prove
// nestjs-hud reads nothing but the listed paths.
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';

export const JWT_SECRET = 'nestjs-hud-test-secret-not-for-production';

/** What a token carries. */
export interface TokenClaims {
  sub: string;
  tenant?: string;
  plan?: string;
}

/** The signed-in user, as `validate()` builds it from the claims and "the database". */
export interface SignedInUser {
  id: string;
  email: string;
  password: string;
  tenant: { id: string; name: string } | undefined;
  plan: string | undefined;
}

/** Markers that must never leave the user object. */
export const SECRET_EMAIL = 'ada.private@example.com';
export const SECRET_PASSWORD = 'hunter2-password-hash';

export function signToken(claims: TokenClaims): string {
  return jwt.sign(claims, JWT_SECRET, { algorithm: 'HS256', expiresIn: '5m' });
}

export function userOf(claims: TokenClaims): SignedInUser {
  return {
    id: claims.sub,
    email: SECRET_EMAIL,
    password: SECRET_PASSWORD,
    tenant: claims.tenant === undefined ? undefined : { id: claims.tenant, name: `${claims.tenant} Inc.` },
    plan: claims.plan,
  };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: JWT_SECRET, algorithms: ['HS256'] });
  }

  validate(claims: TokenClaims): SignedInUser {
    return userOf(claims);
  }
}

/** The JWT guard of an HTTP controller, as the Nest docs write it. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {}

/** The same guard for GraphQL resolvers: Passport reads the request from the GraphQL context. */
@Injectable()
export class GqlJwtAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext) {
    return GqlExecutionContext.create(context).getContext<{ req: unknown }>().req;
  }
}

/** A WebSocket guard: verifies the token sent with the message and puts the user on the client. */
@Injectable()
export class WsJwtGuard {
  canActivate(context: ExecutionContext): boolean {
    const ws = context.switchToWs();
    const token = ws.getData<{ token?: string }>().token;
    if (typeof token !== 'string') return false;
    const claims = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] }) as TokenClaims;
    ws.getClient<{ user?: SignedInUser }>().user = userOf(claims);
    return true;
  }
}
