// "My account": how long my videos are kept (PATCH /api/auth/me, never longer than the server's
// retention), and deleting the account with everything of it (DELETE /api/auth/me, password again).
import { apiJSON, session } from "./api.js";
import { $ } from "./util.js";

let hooks = { flash: () => {}, go: () => {} };

function describe(me) {
  const input = $("#retention-days");
  input.value = me.videoRetentionDays ?? "";
  input.placeholder = me.retentionDays ? String(me.retentionDays) : "kept";
  $("#retention-status").textContent = me.retentionDays
    ? `Your videos are deleted ${me.retentionDays} days after upload; their reports stay.`
    : "Your videos are kept until you delete them.";
}

export async function enterAccount() {
  try {
    describe(await apiJSON("/api/auth/me"));
  } catch (error) {
    $("#retention-status").textContent = error.message;
  }
}

async function saveRetention(event) {
  event.preventDefault();
  const raw = $("#retention-days").value.trim();
  try {
    describe(await apiJSON("/api/auth/me", { method: "PATCH", json: { videoRetentionDays: raw ? Number(raw) : null } }));
  } catch (error) {
    $("#retention-status").textContent = error.message;
  }
}

async function deleteAccount(event) {
  event.preventDefault();
  const error = $("#delete-error");
  error.hidden = true;
  try {
    await apiJSON("/api/auth/me", { method: "DELETE", json: { password: $("#delete-password").value } });
  } catch (problem) {
    error.textContent = problem.message;
    error.hidden = false;
    return;
  }
  $("#delete-account-form").reset();
  session.clear();
  hooks.flash("Your account and everything of it were deleted.");
  hooks.go("#/login");
}

export function setupAccount(given) {
  hooks = given;
  $("#retention-form").addEventListener("submit", saveRetention);
  $("#delete-account-form").addEventListener("submit", deleteAccount);
}
