import { isIP } from 'node:net';
import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

/** True for an IPv4 or IPv6 address, or a CIDR range such as 10.0.0.0/8 or fd00::/8. */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** class-validator: `@Validate(IpOrCidrConstraint, { each: true })` on a list of ranges. */
@ValidatorConstraint({ name: 'ipOrCidr' })
export class IpOrCidrConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isIpOrCidr(value);
  }
  defaultMessage(): string {
    return 'must contain only IP addresses or CIDR ranges (for example 10.0.0.0/8 or ::1)';
  }
}
