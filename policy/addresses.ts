/**
 * Address and CIDR checks for the port and firewall policies: the profile validation's own code
 * (components/validation/addresses.ts), so the pack and `components/config.ts` judge every
 * address the same way.
 */
export {
    ADMIN_PREFIX_LIMIT, checkAdminSources, inCidr, isLoopback, isPrivateOrLoopback, isUnspecified, parseCidr, parseIp,
} from "../components/validation/addresses";
