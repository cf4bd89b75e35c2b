import { bundleNodeApp } from "../../scripts/lib/bundle-node-app.mjs";

await bundleNodeApp();
