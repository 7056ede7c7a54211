/**
 * Address and CIDR checks for the port and firewall policies: the profile validation's own code
 * (components/validation/addresses.ts), so the pack and the config validation
 * (components/config/digitalocean.ts) judge every address the same way.
 */
export {
    ADMIN_PREFIX_LIMIT, checkAdminSources, inCidr, isLoopback, isPrivateOrLoopback, isUnspecified, parseCidr, parseIp,
} from "../components/validation/addresses";

import { parseCidr as parseCidrStrict, parseIp as parseIpStrict } from "../components/validation/addresses";

/**
 * True for a source that means the whole internet: any /0 however written (0.0.0.0/0, ::/0,
 * 1.2.3.4/0 with host bits set, ::0/00), as the firewall would apply it.
 */
export function isAnywhere(source: string): boolean {
    const parsed = parseCidrStrict(source);
    if (parsed.ok) return parsed.cidr.prefix === 0;
    const [base, prefix] = source.split("/");
    return prefix !== undefined && /^0+$/.test(prefix) && parseIpStrict(base) !== undefined;
}
