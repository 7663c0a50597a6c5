export { default as firewall } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
export { DBusConnection, DBusError, nameHasOwner, systemBusAddress } from './dbus';
