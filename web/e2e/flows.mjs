// The browser flows, in the order they run. Each flow: { name, core, probe?, run }. `probe`
// returns a reason string to skip (an endpoint the server does not serve yet answers 404), or null
// to run. Core flows are never skipped. `ctx` carries state between flows (the created example, a
// template id), so the order matters: the main journeys first, then the edge cases.
import { coreFlows } from "./flows_core.mjs";
import { edgeFlows } from "./flows_edges.mjs";
import { laterFlows } from "./flows_later.mjs";
import { moreFlows } from "./flows_more.mjs";
import { focusFlows } from "./flows_focus.mjs";
import { resilienceFlows } from "./flows_resilience.mjs";
import { a11yFlows } from "./flows_a11y.mjs";
import { authFlows } from "./flows_auth.mjs";
import { fitFlows } from "./flows_fit.mjs";
import { outageFlows } from "./flows_outage.mjs";

export const flows = [...coreFlows, ...edgeFlows, ...laterFlows, ...moreFlows, ...focusFlows, ...resilienceFlows, ...a11yFlows, ...fitFlows, ...authFlows, ...outageFlows];
