// The home view: "New analysis" (submit.js) above "My interviews" (joblist.js).
import { addNewJob, enterList, leaveList, setupList } from "./joblist.js";
import { downloadFile } from "./api.js";
import { setupSubmit } from "./submit.js";
import { $ } from "./util.js";

export function setupHome() {
  setupSubmit(addNewJob);
  setupList();
  $("#export-button").addEventListener("click", exportData);
}

// "My data": the export zip (GET /api/export), with the videos when asked.
async function exportData() {
  const button = $("#export-button");
  const status = $("#export-status");
  button.disabled = true;
  status.textContent = "Preparing your data…";
  try {
    await downloadFile(`/api/export${$("#export-videos").checked ? "?videos=true" : ""}`, "interview-export.zip");
    status.textContent = "Downloaded.";
  } catch (error) {
    status.textContent = `The export failed: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

export const enterHome = enterList;
export const leaveHome = leaveList;
