// The home view: "New analysis" (submit.js) above "My interviews" (joblist.js).
import { addNewJob, enterList, leaveList, setupList } from "./joblist.js";
import { setupSubmit } from "./submit.js";

export function setupHome() {
  setupSubmit(addNewJob);
  setupList();
}

export const enterHome = enterList;
export const leaveHome = leaveList;
