// The demo page: one account's life through cognito-proxy's public routes.
// Plain JavaScript, no library, no build step. Tokens live in `state` only (this tab's
// memory): never localStorage or cookies. They travel in JSON bodies or Authorization.
"use strict";

(function () {
  const base = document.body.dataset.apiBase || "";
  const state = { username: null, idToken: null, accessToken: null, refreshToken: null,
    challenge: null, setupSession: null };
  const $ = (id) => document.getElementById(id);

  // The answer key of each challenge /admin/challenge takes, and how to ask for it.
  const CHALLENGES = {
    NEW_PASSWORD_REQUIRED: { key: "NEW_PASSWORD", label: "New password", type: "password",
      help: "The account has a temporary password: choose your own." },
    SOFTWARE_TOKEN_MFA: { key: "SOFTWARE_TOKEN_MFA_CODE", label: "The 6-digit code of your authenticator app",
      type: "text", help: "The account asks for a code from its authenticator app." },
    SMS_MFA: { key: "SMS_MFA_CODE", label: "The code sent by SMS", type: "text",
      help: "A code was sent to the account's phone." },
    EMAIL_OTP: { key: "EMAIL_OTP_CODE", label: "The code sent by email", type: "text",
      help: "A code was sent to the account's email address." },
    SELECT_MFA_TYPE: { key: "MFA_TYPE", label: "Factor: SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP",
      type: "text", help: "Several factors are on and none is preferred: pick one." },
    MFA_SETUP: { key: null, label: "The 6-digit code the app shows", type: "text",
      help: "The pool requires MFA: set up an authenticator app with the QR code, then give its code." },
  };

  class Problem extends Error {
    constructor(status, body) {
      super((body && body.detail) || "HTTP " + status);
      this.status = status;
      this.body = body || {};
    }
  }

  // One call on the API; answers the parsed JSON, or throws a Problem.
  async function call(method, path, { body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const started = performance.now();
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", cache: "no-store",
      });
    } catch (error) {
      logCall(method, path, "no answer", 0);
      throw new Problem(0, { code: "NetworkError", detail: "The service did not answer: is it running?" });
    }
    const text = await response.text();
    logCall(method, path, response.status, performance.now() - started);
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (error) {
        data = { code: "NotJson", detail: text.slice(0, 200) };
      }
    }
    if (!response.ok) throw new Problem(response.status, data);
    return data;
  }

  function logCall(method, path, status, ms) {
    const item = document.createElement("li");
    const shown = path.replace(/username=[^&]*/, "username=…");
    item.textContent = `${method} ${shown} → ${status}` + (ms ? ` (${Math.round(ms)} ms)` : "");
    $("call-log").prepend(item);
  }

  function showProblem(error) {
    const body = error instanceof Problem ? error.body : { code: "Error", detail: String(error) };
    $("problem-code").textContent = body.code || "Error";
    $("problem-status").textContent = error.status ? `(HTTP ${error.status})` : "";
    $("problem-detail").textContent = body.detail || "";
    const list = $("problem-errors");
    list.replaceChildren();
    for (const [field, messages] of Object.entries(body.errors || {})) {
      const item = document.createElement("li");
      item.textContent = `${field}: ${[].concat(messages).join(" ")}`;
      list.append(item);
    }
    $("problem").hidden = false;
    $("problem").focus();
  }

  function notice(text) {
    $("problem").hidden = true;
    $("notice").textContent = text;
  }

  // Run a step: clear the last problem, show the next one, keep the button from double use.
  function step(element, action) {
    const run = async (event) => {
      event.preventDefault();
      const buttons = element.tagName === "FORM" ? element.querySelectorAll("button") : [element];
      buttons.forEach((button) => { button.disabled = true; });
      $("problem").hidden = true;
      try {
        await action(element);
      } catch (error) {
        showProblem(error);
      } finally {
        buttons.forEach((button) => { button.disabled = false; });
      }
    };
    element.addEventListener(element.tagName === "FORM" ? "submit" : "click", run);
  }

  const value = (id) => $(id).value.trim();

  // Local mode's emulator shows the codes it "sends" at GET /local/codes (the page is told
  // when the app has that route); elsewhere (or on a 404) the code is in the user's mailbox.
  async function showCode(purpose, username, field, note, attribute) {
    let codes = [];
    if (document.body.dataset.localCodes) {
      try {
        const answer = await call("GET", "/local/codes?username=" + encodeURIComponent(username));
        codes = (answer && answer.codes) || [];
      } catch (error) {
        if (!(error instanceof Problem) || error.status !== 404) throw error;
      }
    }
    const found = codes.find((code) => code.purpose === purpose &&
      (attribute === undefined || code.attribute === attribute));
    if (found) {
      $(field).value = found.code;
      $(note).textContent = `Local mode: the code sent to ${found.destination || username} is ` +
        `${found.code} (filled in below).`;
      $(note).dataset.code = found.code;
    } else {
      $(field).value = "";
      $(note).textContent = "Check your email for the code, and type it below.";
      delete $(note).dataset.code;
    }
  }

  function decodeJwt(token) {
    const part = token.split(".")[1] || "";
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function formatSeconds(seconds) {
    if (seconds <= 0) return "0 s: expired";
    const minutes = Math.floor(seconds / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return minutes ? `${minutes} min ${rest} s` : `${seconds} s`;
  }

  let ticker = null;
  function tick() {
    const now = Math.floor(Date.now() / 1000);
    for (const [token, id] of [[state.idToken, "id-token-expiry"], [state.accessToken, "access-token-expiry"]]) {
      if (!token) continue;
      $(id).textContent = formatSeconds(decodeJwt(token).exp - now);
    }
  }

  function showTokens() {
    const idClaims = decodeJwt(state.idToken);
    $("id-token-claims").textContent = JSON.stringify(idClaims, null, 2);
    $("access-token-claims").textContent = JSON.stringify(decodeJwt(state.accessToken), null, 2);
    state.username = idClaims["cognito:username"] || state.username;
    $("signed-in-user").textContent = idClaims.email || state.username;
    $("signed-in").hidden = false;
    tick();
    if (!ticker) ticker = setInterval(tick, 1000);
  }

  function signedIn(tokens) {
    state.idToken = tokens.idToken;
    state.accessToken = tokens.accessToken;
    state.refreshToken = tokens.refreshToken || state.refreshToken;
    state.challenge = null;
    $("challenge").hidden = true;
    showTokens();
    notice("Signed in.");
    $("tokens-title").focus();
  }

  function signedOut(message) {
    Object.assign(state, { idToken: null, accessToken: null, refreshToken: null, challenge: null });
    clearInterval(ticker);
    ticker = null;
    $("signed-in").hidden = true;
    for (const id of ["id-token-claims", "access-token-claims", "valid-result", "attribute-result", "totp-result"]) {
      $(id).textContent = "";
    }
    $("totp-secret").hidden = true;
    notice(message);
  }

  function tokensOrChallenge(answer, username) {
    if (answer.challengeName) {
      showChallenge(answer, username);
    } else {
      signedIn(answer);
    }
  }

  function showChallenge(answer, username) {
    const known = CHALLENGES[answer.challengeName] ||
      { key: "ANSWER", label: "Answer", type: "text", help: "" };
    state.challenge = { name: answer.challengeName, session: answer.session, username, key: known.key };
    state.setupSession = null;
    $("challenge-name").textContent = answer.challengeName;
    $("challenge-help").textContent = known.help;
    $("challenge-answer-label").textContent = known.label;
    $("challenge-answer").type = known.type;
    $("challenge-answer").value = "";
    $("mfa-setup").hidden = answer.challengeName !== "MFA_SETUP";
    $("mfa-setup-secret").hidden = true;
    $("challenge").hidden = false;
    $("challenge-title").focus();
  }

  function showSecret(answer, prefix) {
    $(prefix + "-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(answer.qrSvg);
    $(prefix + "-code").textContent = answer.secretCode;
    $(prefix + "-uri").textContent = answer.otpauthUri;
    $(prefix + "-secret").hidden = false;
  }

  step($("signup-form"), async () => {
    const username = value("signup-username");
    const attributes = value("signup-name") ? { name: value("signup-name") } : {};
    const answer = await call("POST", "/signup",
      { body: { username, password: $("signup-password").value, attributes } });
    for (const id of ["confirm-username", "signin-username", "reset-username"]) $(id).value = username;
    $("signin-password").value = $("signup-password").value;
    if (answer.userConfirmed) {
      notice("Signed up; the account is already confirmed: sign in.");
      return;
    }
    await showCode("signup", username, "confirm-code", "confirm-code-note");
    notice("Signed up. Confirm the account with the code.");
    $("confirm-code").focus();
  });

  step($("resend-button"), async () => {
    const username = value("confirm-username");
    await call("POST", "/resendcode", { body: { username } });
    await showCode("signup", username, "confirm-code", "confirm-code-note");
    notice("A new code was sent.");
  });

  step($("confirm-form"), async () => {
    await call("POST", "/confirmsignup",
      { body: { username: value("confirm-username"), confirmationCode: value("confirm-code") } });
    notice("Confirmed. You can sign in.");
    $("signin-password").focus();
  });

  step($("signin-form"), async () => {
    const username = value("signin-username");
    state.username = username;
    const answer = await call("POST", "/admin/signin",
      { body: { username, password: $("signin-password").value } });
    tokensOrChallenge(answer, username);
  });

  step($("mfa-setup-button"), async () => {
    const challenge = state.challenge;
    const answer = await call("POST", "/admin/challenge/totp",
      { body: { session: challenge.session, username: challenge.username } });
    challenge.session = answer.session;
    showSecret(answer, "mfa-setup");
    $("challenge-answer").focus();
  });

  step($("challenge-form"), async () => {
    const challenge = state.challenge;
    const given = $("challenge-answer").value.trim();
    const body = { username: challenge.username, challengeName: challenge.name, session: challenge.session };
    if (challenge.name === "MFA_SETUP") {
      const verified = await call("POST", "/admin/challenge/totp/verify",
        { body: { session: challenge.session, code: given } });
      body.session = verified.session;
    } else {
      body.responses = { [challenge.key]: given };
      if (challenge.name === "NEW_PASSWORD_REQUIRED") $("signin-password").value = given;
    }
    tokensOrChallenge(await call("POST", "/admin/challenge", { body }), challenge.username);
  });

  step($("refresh-button"), async () => {
    const answer = await call("POST", "/admin/refresh",
      { body: { refreshToken: state.refreshToken, username: state.username } });
    state.idToken = answer.idToken;
    state.accessToken = answer.accessToken;
    state.refreshToken = answer.refreshToken || state.refreshToken;
    showTokens();
    notice("New id and access tokens.");
  });

  step($("valid-button"), async () => {
    const answer = await call("GET", "/token/valid", { token: state.accessToken });
    $("valid-result").textContent = answer.valid
      ? `Valid ${answer.tokenUse} token of ${answer.username}, until ${new Date(answer.expiresAt * 1000).toLocaleTimeString()}.`
      : "Not valid.";
  });

  step($("signout-button"), async () => {
    await call("POST", "/signout", { token: state.accessToken });
    signedOut("Signed out: the refresh token no longer works anywhere.");
  });

  step($("attribute-form"), async () => {
    const answer = await call("POST", "/admin/user/attribute", { body: {
      idToken: state.idToken, attributeName: value("attribute-name"), attributeValue: value("attribute-value") } });
    const [name, changed] = Object.entries(answer.attributes)[0] || [];
    $("attribute-result").textContent = `Updated: ${name} = ${changed}. The id token shows it after a refresh.`;
  });

  step($("totp-button"), async () => {
    showSecret(await call("POST", "/user/mfa/totp", { token: state.accessToken }), "totp");
    $("totp-enable-button").hidden = true;
    $("totp-result").textContent = "Scan the QR code (or type the secret) into an authenticator app.";
    $("totp-answer").focus();
  });

  step($("totp-form"), async () => {
    const answer = await call("POST", "/user/mfa/totp/verify",
      { token: state.accessToken, body: { code: value("totp-answer"), deviceName: "demo page" } });
    $("totp-result").textContent = `Verified (${answer.status}). Now turn it on.`;
    $("totp-enable-button").hidden = false;
    $("totp-enable-button").focus();
  });

  step($("totp-enable-button"), async () => {
    const answer = await call("PUT", "/user/mfa",
      { token: state.accessToken, body: { totp: { enabled: true, preferred: true } } });
    $("totp-result").textContent = `MFA on: ${answer.enabled.join(", ")} (preferred: ${answer.preferred}). ` +
      "The next sign-in asks for a code.";
    $("totp-enable-button").hidden = true;
  });

  step($("delete-form"), async () => {
    if (!$("delete-sure").checked) {
      throw new Problem(0, { code: "NotConfirmed", detail: "Tick the box first: deleting cannot be undone." });
    }
    await call("DELETE", "/admin/user", { body: { idToken: state.idToken } });
    $("delete-sure").checked = false;
    signedOut("The account is deleted.");
  });

  step($("reset-form"), async () => {
    const username = value("reset-username");
    await call("POST", "/password/reset", { body: { username } });
    await showCode("password_reset", username, "reset-code", "reset-code-note");
    notice("If the account exists, a reset code was sent.");
    $("reset-password").focus();
  });

  step($("reset-confirm-form"), async () => {
    const username = value("reset-username");
    await call("POST", "/password/confirm", { body: {
      username, password: $("reset-password").value, confirmationCode: value("reset-code") } });
    $("signin-username").value = username;
    $("signin-password").value = $("reset-password").value;
    notice("The new password is set: sign in with it.");
  });
}());
