// CommonJS face of koffi-native.ts: koffi's loader does `require('@koromix/koffi-linux-x64')`
// and expects the addon's exports as module.exports.
module.exports = require('./koffi-native.ts').loadKoffiNative();
