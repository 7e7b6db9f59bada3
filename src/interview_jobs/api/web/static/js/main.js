// Entry point: a hash router over the views (log in / sign up, my interviews, practise, one report).
import { enterAccount, setupAccount } from "./account.js";
import { apiJSON, onUnauthorized, session } from "./api.js";
import { enterHome, leaveHome, setupHome } from "./jobs.js";
import { enterPractice, leavePractice, noteUnsent, setupPractice } from "./practice.js";
import { enterProgress, leaveProgress, setupProgress } from "./progress.js";
import { enterReport, leaveReport, setupReport } from "./report.js";
import { setupSharing, sharedToken } from "./share.js";
import { $ } from "./util.js";

const views = {
  auth: $("#view-auth"),
  home: $("#view-home"),
  practice: $("#view-practice"),
  progress: $("#view-progress"),
  report: $("#view-report"),
};
let current = null;

export function flash(message) {
  const el = $("#flash");
  el.textContent = message || "";
  el.hidden = !message;
}

// Navigate to `hash`; route() runs once (hashchange) or now when the hash is already there.
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function show(name) {
  for (const [key, el] of Object.entries(views)) el.hidden = key !== name;
  $("#session").hidden = !session.token;
  $("#nav").hidden = !session.token;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.id === `nav-${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("#whoami").textContent = session.username;
}

function route() {
  if (current === "home") leaveHome();
  if (current === "report") leaveReport();
  if (current === "practice") leavePractice();
  if (current === "progress") leaveProgress();
  const hash = location.hash || "#/";
  const token = sharedToken();
  if (token) {
    // A share link (/s/<token>): its report, read only, whoever is or is not logged in.
    current = "report";
    show("report");
    $("#nav").hidden = true;
    $("#report-back").hidden = true;
    enterReport(null, { token });
    return;
  }
  if (!session.token) {
    current = "auth";
    setAuthMode(hash === "#/signup" ? "signup" : "login");
    show("auth");
    document.title = "Log in · Interview Job System";
    return;
  }
  if (hash === "#/login" || hash === "#/signup") {
    location.replace("#/");
    return;
  }
  const match = /^#\/jobs\/([^/]+)$/.exec(hash);
  if (hash === "#/practice") {
    flash("");
    current = "practice";
    show("practice");
    enterPractice();
  } else if (hash === "#/progress") {
    flash("");
    current = "progress";
    show("progress");
    enterProgress();
  } else if (match) {
    flash("");
    current = "report";
    show("report");
    $("#report-back").hidden = false;
    enterReport(decodeURIComponent(match[1]));
  } else {
    current = "home";
    show("home");
    document.title = "My interviews · Interview Job System";
    enterHome();
    enterAccount();
    noteUnsent();
  }
}

// ---- log in / sign up ----
let authMode = "login";

function setAuthMode(mode) {
  authMode = mode;
  const signup = mode === "signup";
  $("#auth-title").textContent = signup ? "Create an account" : "Log in";
  $("#auth-submit").textContent = signup ? "Sign up" : "Log in";
  $("#auth-username-hint").hidden = !signup;
  $("#auth-password-hint").hidden = !signup;
  $("#auth-password").autocomplete = signup ? "new-password" : "current-password";
  $("#auth-switch-text").textContent = signup ? "Already have an account?" : "New here?";
  const link = $("#auth-switch-link");
  link.textContent = signup ? "Log in" : "Create an account";
  link.href = signup ? "#/login" : "#/signup";
  $("#auth-error").hidden = true;
}

function authError(message) {
  const el = $("#auth-error");
  el.textContent = message;
  el.hidden = !message;
}

async function submitAuth(event) {
  event.preventDefault();
  const username = $("#auth-username").value.trim();
  const password = $("#auth-password").value;
  if (!username || !password) {
    authError("Enter a username and a password.");
    return;
  }
  if (authMode === "signup") {
    if (!/^[A-Za-z0-9._-]{3,64}$/.test(username)) {
      authError("The username must be 3–64 characters: letters, digits, “.”, “_” or “-”.");
      $("#auth-username").focus();
      return;
    }
    if (password.length < 8) {
      authError("The password must be at least 8 characters long.");
      $("#auth-password").focus();
      return;
    }
  }
  const button = $("#auth-submit");
  button.disabled = true;
  authError("");
  try {
    if (authMode === "signup") {
      await apiJSON("/api/auth/register", { method: "POST", json: { username, password }, auth: false });
    }
    const token = await apiJSON("/api/auth/login", { method: "POST", json: { username, password }, auth: false });
    session.save(token.accessToken, username);
    $("#auth-password").value = "";
    flash(authMode === "signup" ? `Welcome, ${username}! Your account is ready.` : "");
    go("#/");
    $("#main").focus();
  } catch (error) {
    authError(error.message);
  } finally {
    button.disabled = false;
  }
}

function logout() {
  session.clear();
  flash("You are logged out.");
  go("#/login");
}

function setup() {
  $("#auth-form").addEventListener("submit", submitAuth);
  $("#logout").addEventListener("click", logout);
  onUnauthorized((error) => {
    if (!session.token) return;
    session.clear();
    flash(error.message);
    go("#/login");
  });
  // A file dropped outside the drop zone must not make the browser navigate away to it.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
  setupHome();
  setupReport({ flash });
  setupSharing();
  setupAccount({ flash, go });
  setupPractice({ flash, go });
  setupProgress();
  window.addEventListener("hashchange", route);
  route();
}

setup();
