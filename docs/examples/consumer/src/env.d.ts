// The binding typed by the Classifier's methods. `wrangler types` can only say `Service`
// without edge-classify's config, and with it (`-c wrangler.toml -c ../../../wrangler.toml`)
// it names `typeof import("../../../src/index").Classifier`, which compiles that Worker
// under this one's Env; ClassifierRpc needs neither.
type ClassifierService = Service<import('../../../../src/rpc/types.ts').ClassifierRpc>

interface Env {
  CLASSIFIER: ClassifierService
}
declare namespace Cloudflare {
  interface Env {
    CLASSIFIER: ClassifierService
  }
}
