// '@cni-ts/netlink/ffi': raw koffi, kept out of the package's API (the barrel). Only for a sibling
// package that needs a syscall netlink does not wrap yet (dhcp's AF_PACKET socket); such code
// belongs in netlink, behind a typed function, and this entry goes away with the last user.
export { koffi } from './_koffi';
