// A cache entry as podman 4.3 (libcni 1.1.2, CNI backend) writes it for its bridge network
// (real-clients.md §4.4/4.5): conflist at 0.4.0, CNI_ARGS IgnoreUnknown + K8S_POD_NAME, a
// 64-hex container id, a netns-<uuid> bind mount, and the 0.4.0 result with keys sorted.
export const PODMAN_CONFLIST = `{
   "cniVersion": "0.4.0",
   "name": "labbr",
   "plugins": [
      {
         "type": "bridge",
         "bridge": "cni-podman1",
         "isGateway": true,
         "ipMasq": true,
         "hairpinMode": true,
         "ipam": {
            "type": "host-local",
            "routes": [
               {
                  "dst": "0.0.0.0/0"
               }
            ],
            "ranges": [
               [
                  {
                     "subnet": "10.99.0.0/24",
                     "gateway": "10.99.0.1"
                  }
               ]
            ]
         }
      },
      {
         "type": "tuning"
      }
   ]
}
`;

export const PODMAN_CONTAINER_ID = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const PODMAN_NETNS = '/run/netns/netns-4a1b2c3d-0e1f-4a5b-8c9d-0e1f2a3b4c5d';

export function podmanCache(): string {
  const config = Buffer.from(PODMAN_CONFLIST).toString('base64');
  return (
    `{"kind":"cniCacheV1","containerId":"${PODMAN_CONTAINER_ID}","config":"${config}","ifName":"eth0","networkName":"labbr",` +
    `"netns":"${PODMAN_NETNS}","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAME","web"]],` +
    `"result":{"cniVersion":"0.4.0","dns":{},"interfaces":[{"mac":"6a:1e:7b:2c:3d:4e","name":"cni-podman1"},` +
    `{"mac":"2e:5f:6a:7b:8c:9d","name":"veth1a2b3c4d"},{"mac":"d2:3c:4b:5a:69:78","name":"eth0","sandbox":"${PODMAN_NETNS}"}],` +
    `"ips":[{"address":"10.99.0.2/24","gateway":"10.99.0.1","interface":2,"version":"4"}],"routes":[{"dst":"0.0.0.0/0"}]}}`
  );
}
