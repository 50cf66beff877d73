// The demo page: one account's life through cognito-proxy's public routes.
// Plain JavaScript, no library, no build step. Tokens live in `state` only (this tab's
// memory): never localStorage or cookies. They travel in JSON bodies or Authorization.
"use strict";

(function () {
  const base = document.body.dataset.apiBase || "";
  // What the pool asks of a password, as the server read it from the pool ("" if unknown).
  const policy = document.body.dataset.passwordPolicy || "";
  const state = { username: null, idToken: null, accessToken: null, refreshToken: null,
    challenge: null };
  const $ = (id) => document.getElementById(id);

  // The answer key of each challenge /admin/challenge takes, and how to ask for it.
  const CODE = { type: "text", autocomplete: "one-time-code", inputmode: "numeric" };
  const CHALLENGES = {
    NEW_PASSWORD_REQUIRED: { key: "NEW_PASSWORD", label: "New password", type: "password",
      autocomplete: "new-password", inputmode: "text", hint: true,
      help: "The account has a temporary password: choose your own." },
    SOFTWARE_TOKEN_MFA: { ...CODE, key: "SOFTWARE_TOKEN_MFA_CODE", authenticator: true,
      label: "The 6-digit code of your authenticator app",
      help: "The account asks for a code from its authenticator app." },
    SMS_MFA: { ...CODE, key: "SMS_MFA_CODE", label: "The code sent by SMS",
      help: "A code was sent to the account's phone." },
    EMAIL_OTP: { ...CODE, key: "EMAIL_OTP_CODE", label: "The code sent by email",
      help: "A code was sent to the account's email address." },
    SELECT_MFA_TYPE: { key: "MFA_TYPE", label: "Factor: SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP",
      type: "text", autocomplete: "off", inputmode: "text",
      help: "Several factors are on and none is preferred: pick one." },
    MFA_SETUP: { ...CODE, key: null, label: "The 6-digit code the app shows", authenticator: true,
      help: "The pool requires MFA: set up an authenticator app with its QR code, then give its code." },
  };
  const OTHER_CHALLENGE = { key: "ANSWER", label: "Answer", type: "text", autocomplete: "off",
    inputmode: "text", help: "" };

  // What is never shown in the list of calls: credentials, codes, secrets and tokens.
  const MASK = "********";
  const SECRET_KEYS = new Set(["password", "previousPassword", "proposedPassword",
    "confirmationCode", "code", "session", "idToken", "accessToken", "refreshToken",
    "secretCode", "otpauthUri", "qrSvg", "NEW_PASSWORD", "SOFTWARE_TOKEN_MFA_CODE",
    "SMS_MFA_CODE", "EMAIL_OTP_CODE", "ANSWER"]);
  // Claims that are moments (seconds since 1970), shown with a readable time beside them.
  const TIME_CLAIMS = new Set(["iat", "exp", "auth_time", "nbf"]);
  // Which field a refusal is about, by the field's name, in the form that was sent.
  const FIELD_OF_CODE = {
    InvalidPassword: ["password", "answer"],
    CodeMismatch: ["confirmationCode", "code", "answer"],
    ExpiredCode: ["confirmationCode", "code", "answer"],
    UsernameExists: ["username"],
    AliasExists: ["username"],
    NotConfirmed: ["sure"],
  };
  const WRONG_AUTHENTICATOR_CODE = "This is not the code the authenticator app shows now. " +
    "Type the code it shows: it changes every 30 seconds.";

  class Problem extends Error {
    constructor(status, body) {
      super((body && body.detail) || "HTTP " + status);
      this.status = status;
      this.body = body || {};
    }
  }

  // One call on the API; answers the parsed JSON, or throws a Problem. Each call is listed.
  async function call(method, path, { body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const started = performance.now();
    const logged = { method, path, body, token: Boolean(token) };
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", cache: "no-store",
      });
    } catch (error) {
      logCall({ ...logged, status: "no answer" });
      throw new Problem(0, { code: "NetworkError", detail: "The service did not answer: is it running?" });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (error) {
        data = { code: "NotJson", detail: text.slice(0, 200) };
      }
    }
    logCall({ ...logged, status: response.status, ms: performance.now() - started, answer: data,
      problem: !response.ok });
    if (!response.ok) throw new Problem(response.status, data);
    return data;
  }

  // A copy of a JSON value with every secret masked. A problem's own `code` (its name,
  // such as CodeMismatch) stays: it is what went wrong, not a secret.
  function masked(value, keepCode) {
    if (Array.isArray(value)) return value.map((item) => masked(item, false));
    if (value === null || typeof value !== "object") return value;
    const copy = {};
    for (const [key, item] of Object.entries(value)) {
      const secret = SECRET_KEYS.has(key) && !(keepCode && key === "code");
      copy[key] = secret && item !== null && item !== "" ? MASK : masked(item, false);
    }
    return copy;
  }

  function shownJson(value, keepCode) {
    return value === undefined || value === null ? "(no body)"
      : JSON.stringify(masked(value, keepCode), null, 2);
  }

  function logCall({ method, path, body, token, status, ms, answer, problem }) {
    const item = document.createElement("li");
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    const shown = path.replace(/username=[^&]*/, "username=…");
    summary.textContent = `${method} ${shown} → ${status}` + (ms ? ` (${Math.round(ms)} ms)` : "");
    const sent = document.createElement("pre");
    sent.textContent = (token ? `Authorization: Bearer ${MASK}\n` : "") + shownJson(body, false);
    const answered = document.createElement("pre");
    answered.textContent = shownJson(answer, problem);
    const sentLabel = document.createElement("p");
    sentLabel.textContent = "Sent:";
    const answeredLabel = document.createElement("p");
    answeredLabel.textContent = "Answered:";
    details.append(summary, sentLabel, sent, answeredLabel, answered);
    item.append(details);
    $("call-log").append(item);
  }

  // --- Answers, where the step that asked for them is -----------------------------------

  function clearResult(id) {
    $(id).replaceChildren();
  }

  function showOk(id, text) {
    const line = document.createElement("p");
    line.className = "ok";
    line.textContent = text;
    $(id).replaceChildren(line);
  }

  // The ids an input is described by: its hint (and the like), then its error, if any.
  function describe(input, errorId) {
    const ids = (input.dataset.describedby || "").split(" ").filter(Boolean);
    if (errorId) ids.push(errorId);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function markInvalid(input, message) {
    const error = document.createElement("p");
    error.className = "field-error";
    error.id = input.id + "-error";
    error.textContent = message;
    const hint = $(input.id + "-hint");
    const anchor = input.type === "checkbox" ? input.parentElement
      : hint && !hint.hidden ? hint : input;
    anchor.after(error);
    input.setAttribute("aria-invalid", "true");
    describe(input, error.id);
  }

  function clearFieldErrors(form) {
    if (!form) return;
    form.querySelectorAll(".field-error").forEach((error) => error.remove());
    form.querySelectorAll("[aria-invalid]").forEach((input) => {
      input.removeAttribute("aria-invalid");
      describe(input);
    });
  }

  function fieldNamed(form, name) {
    if (!form) return null;
    const last = name.split(".").pop();
    return [...form.querySelectorAll("input")].find((input) =>
      input.name === name || input.name === last) || null;
  }

  function fieldWords(code, detail) {
    if (code === "InvalidPassword") {
      return policy
        ? `Cognito refused this password: the pool's password policy asks for ${policy}.`
        : "Cognito refused this password: it does not conform to the pool's password policy.";
    }
    if (code === "CodeMismatch") return "This code is wrong.";
    if (code === "ExpiredCode") return "This code has expired.";
    return detail;
  }

  // Show a refusal under the step that caused it; tie it to the field it is about, and
  // move focus there (else to the refusal), so that it is read out and in view.
  function showProblem(id, error, form, explain) {
    const body = error instanceof Problem ? error.body : { code: "Error", detail: String(error) };
    const code = body.code || "Error";
    const explained = explain && explain(code);
    const box = document.createElement("div");
    box.className = "problem";
    box.tabIndex = -1;
    const head = document.createElement("p");
    const name = document.createElement("strong");
    name.className = "problem-code";
    name.textContent = code;
    head.append(name);
    if (error.status) {
      const status = document.createElement("span");
      status.className = "problem-status";
      status.textContent = ` (HTTP ${error.status})`;
      head.append(status);
    }
    const detail = document.createElement("p");
    detail.className = "problem-detail";
    detail.textContent = explained || body.detail || "";
    box.append(head, detail);
    let first = null;
    const unplaced = document.createElement("ul");
    for (const [field, messages] of Object.entries(body.errors || {})) {
      const text = [].concat(messages).join(" ");
      const input = fieldNamed(form, field);
      if (input && !input.hasAttribute("aria-invalid")) {
        markInvalid(input, text);
        first = first || input;
      } else {
        const item = document.createElement("li");
        item.textContent = `${field}: ${text}`;
        unplaced.append(item);
      }
    }
    if (unplaced.children.length) box.append(unplaced);
    const input = (FIELD_OF_CODE[code] || []).map((field) => fieldNamed(form, field)).find(Boolean);
    if (input && !input.hasAttribute("aria-invalid")) {
      markInvalid(input, fieldWords(code, body.detail || code));
      first = first || input;
    }
    $(id).replaceChildren(box);
    (first || box).focus();
  }

  // Run a step: clear its last answer, show the new one under it. A busy step ignores
  // clicks without disabling its button, so that focus stays on the button.
  function step(trigger, resultId, action, explain) {
    const isForm = trigger.tagName === "FORM";
    const form = isForm ? trigger : trigger.closest("form");
    let busy = false;
    trigger.addEventListener(isForm ? "submit" : "click", async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      const buttons = isForm ? [...trigger.querySelectorAll("button")] : [trigger];
      buttons.forEach((button) => button.setAttribute("aria-disabled", "true"));
      clearResult(resultId);
      clearFieldErrors(form);
      try {
        const said = await action(trigger);
        if (said) showOk(resultId, said);
      } catch (error) {
        showProblem(resultId, error, form, explain);
      } finally {
        buttons.forEach((button) => button.removeAttribute("aria-disabled"));
        busy = false;
      }
    });
  }

  const value = (id) => $(id).value.trim();
  const authenticatorCode = (code) => (code === "CodeMismatch" ? WRONG_AUTHENTICATOR_CODE : null);

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

  // --- Tokens ---------------------------------------------------------------------------

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

  function readableTime(seconds) {
    const time = document.createElement("time");
    const moment = new Date(seconds * 1000);
    time.dateTime = moment.toISOString();
    time.textContent = moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "long" });
    return time;
  }

  function showClaims(list, claims) {
    const rows = Object.entries(claims).map(([name, claim]) => {
      const row = document.createElement("div");
      row.className = "claim";
      const term = document.createElement("dt");
      term.textContent = name;
      const shown = document.createElement("dd");
      if (TIME_CLAIMS.has(name) && Number.isInteger(claim)) {
        shown.append(String(claim), " (", readableTime(claim), ")");
      } else {
        shown.textContent = typeof claim === "string" ? claim : JSON.stringify(claim);
      }
      row.append(term, shown);
      return row;
    });
    list.replaceChildren(...rows);
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
    showClaims($("id-token-claims"), idClaims);
    showClaims($("access-token-claims"), decodeJwt(state.accessToken));
    $("id-token-raw").value = state.idToken;
    $("access-token-raw").value = state.accessToken;
    $("refresh-token-raw").value = state.refreshToken || "";
    state.username = idClaims["cognito:username"] || state.username;
    $("signed-in-user").textContent = idClaims.email || state.username;
    $("signed-out-note").hidden = true;
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
    clearResult("account-result");
    showTokens();
    showOk("signin-result", "Signed in: your tokens are in step 4, below.");
    $("tokens-title").focus();
  }

  // After a sign-out or a deletion: the tokens go, and the page says so where they were.
  function signedOut(message) {
    Object.assign(state, { idToken: null, accessToken: null, refreshToken: null, challenge: null });
    clearInterval(ticker);
    ticker = null;
    $("signed-in").hidden = true;
    $("signed-out-note").hidden = false;
    for (const id of ["id-token-claims", "access-token-claims"]) $(id).replaceChildren();
    for (const id of ["id-token-raw", "access-token-raw", "refresh-token-raw"]) $(id).value = "";
    $("signed-in").querySelectorAll(".result, .copy-result").forEach((result) => result.replaceChildren());
    $("signed-in").querySelectorAll("form").forEach(clearFieldErrors);
    $("totp-secret").hidden = true;
    clearResult("signin-result");
    showOk("account-result", message);
    $("tokens-title").focus();
  }

  for (const button of document.querySelectorAll("button.copy")) {
    const said = $(button.id.replace(/-copy$/, "-copied"));
    button.addEventListener("click", async () => {
      document.querySelectorAll(".copy-result").forEach((result) => result.replaceChildren());
      const field = $(button.dataset.copy);
      const what = button.textContent.replace(/^Copy /, "");
      try {
        await navigator.clipboard.writeText(field.value);
        said.textContent = `Copied: ${what} is on the clipboard.`;
      } catch (error) {
        field.focus();
        field.select();
        said.textContent = `The browser does not let the page copy: ${what} is selected, copy it with Ctrl+C (⌘C).`;
      }
    });
  }

  // --- Challenges -------------------------------------------------------------------------

  function tokensOrChallenge(answer, username) {
    if (answer.challengeName) {
      showChallenge(answer, username);
    } else {
      signedIn(answer);
    }
  }

  function showChallenge(answer, username) {
    const known = CHALLENGES[answer.challengeName] || OTHER_CHALLENGE;
    state.challenge = { name: answer.challengeName, session: answer.session, username, ...known };
    const input = $("challenge-answer");
    $("challenge-name").textContent = answer.challengeName;
    $("challenge-help").textContent = known.help;
    $("challenge-answer-label").textContent = known.label;
    input.type = known.type;
    input.autocomplete = known.autocomplete;
    input.inputMode = known.inputmode || "text";
    input.value = "";
    $("challenge-answer-hint").hidden = !known.hint;
    input.dataset.describedby = known.hint ? "challenge-answer-hint" : "";
    clearFieldErrors($("challenge-form"));
    describe(input);
    clearResult("challenge-result");
    $("mfa-setup").hidden = answer.challengeName !== "MFA_SETUP";
    $("mfa-setup-secret").hidden = true;
    $("challenge").hidden = false;
    showOk("signin-result", `Cognito asks for more: ${answer.challengeName}, below.`);
    $("challenge-title").focus();
  }

  function showSecret(answer, prefix) {
    $(prefix + "-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(answer.qrSvg);
    $(prefix + "-code").textContent = answer.secretCode;
    $(prefix + "-uri").textContent = answer.otpauthUri;
    $(prefix + "-secret").hidden = false;
  }

  // --- The steps --------------------------------------------------------------------------

  step($("signup-form"), "signup-result", async () => {
    const username = value("signup-username");
    const attributes = value("signup-name") ? { name: value("signup-name") } : {};
    const answer = await call("POST", "/signup",
      { body: { username, password: $("signup-password").value, attributes } });
    for (const id of ["confirm-username", "signin-username", "reset-username"]) $(id).value = username;
    $("signin-password").value = $("signup-password").value;
    if (answer.userConfirmed) return "Signed up; the account is already confirmed: sign in (step 3).";
    await showCode("signup", username, "confirm-code", "confirm-code-note");
    $("confirm-code").focus();
    return "Signed up. Confirm the account with the code (step 2).";
  });

  step($("resend-button"), "confirm-result", async () => {
    const username = value("confirm-username");
    await call("POST", "/resendcode", { body: { username } });
    await showCode("signup", username, "confirm-code", "confirm-code-note");
    return "A new code was sent.";
  });

  step($("confirm-form"), "confirm-result", async () => {
    await call("POST", "/confirmsignup",
      { body: { username: value("confirm-username"), confirmationCode: value("confirm-code") } });
    $("signin-password").focus();
    return "Confirmed. You can sign in (step 3).";
  });

  step($("signin-form"), "signin-result", async () => {
    const username = value("signin-username");
    state.username = username;
    const answer = await call("POST", "/admin/signin",
      { body: { username, password: $("signin-password").value } });
    tokensOrChallenge(answer, username);
  });

  step($("mfa-setup-button"), "challenge-result", async () => {
    const challenge = state.challenge;
    const answer = await call("POST", "/admin/challenge/totp",
      { body: { session: challenge.session, username: challenge.username } });
    challenge.session = answer.session;
    showSecret(answer, "mfa-setup");
    $("challenge-answer").dataset.describedby = "mfa-setup-steps";
    describe($("challenge-answer"));
    $("challenge-answer").focus();
  });

  step($("challenge-form"), "challenge-result", async () => {
    const challenge = state.challenge;
    const given = $("challenge-answer").value.trim();
    const body = { username: challenge.username, challengeName: challenge.name, session: challenge.session };
    if (challenge.name === "MFA_SETUP") {
      const verified = await call("POST", "/admin/challenge/totp/verify",
        { body: { session: challenge.session, code: given } });
      body.session = verified.session;
    } else {
      body.responses = { [challenge.key]: given };
    }
    const answer = await call("POST", "/admin/challenge", { body });
    if (challenge.name === "NEW_PASSWORD_REQUIRED") $("signin-password").value = given;
    tokensOrChallenge(answer, challenge.username);
  }, (code) => (state.challenge && state.challenge.authenticator ? authenticatorCode(code) : null));

  step($("refresh-button"), "tokens-result", async () => {
    const answer = await call("POST", "/admin/refresh",
      { body: { refreshToken: state.refreshToken, username: state.username } });
    state.idToken = answer.idToken;
    state.accessToken = answer.accessToken;
    state.refreshToken = answer.refreshToken || state.refreshToken;
    showTokens();
    return "New id and access tokens: their claims are above.";
  });

  step($("valid-button"), "tokens-result", async () => {
    const answer = await call("GET", "/token/valid", { token: state.accessToken });
    if (!answer.valid) return "Not valid.";
    const until = new Date(answer.expiresAt * 1000).toLocaleTimeString();
    return `Valid ${answer.tokenUse} token of ${answer.username}, until ${until}.`;
  });

  step($("signout-button"), "tokens-result", async () => {
    await call("POST", "/signout", { token: state.accessToken });
    signedOut("Signed out: the refresh token no longer works anywhere.");
  });

  step($("attribute-form"), "attribute-result", async () => {
    const answer = await call("POST", "/admin/user/attribute", { body: {
      idToken: state.idToken, attributeName: value("attribute-name"), attributeValue: value("attribute-value") } });
    const [name, changed] = Object.entries(answer.attributes)[0] || [];
    return `Updated: ${name} = ${changed}. Id tokens issued from now on carry it: ` +
      "refresh the tokens for one.";
  });

  step($("totp-button"), "totp-result", async () => {
    showSecret(await call("POST", "/user/mfa/totp", { token: state.accessToken }), "totp");
    $("totp-enable-button").hidden = true;
    $("totp-answer").focus();
  });

  step($("totp-form"), "totp-result", async () => {
    const answer = await call("POST", "/user/mfa/totp/verify",
      { token: state.accessToken, body: { code: value("totp-answer"), deviceName: "demo page" } });
    $("totp-enable-button").hidden = false;
    $("totp-enable-button").focus();
    return `Verified (${answer.status}). Now turn it on: “Ask for it at every sign-in”.`;
  }, authenticatorCode);

  step($("totp-enable-button"), "totp-result", async () => {
    const answer = await call("PUT", "/user/mfa",
      { token: state.accessToken, body: { totp: { enabled: true, preferred: true } } });
    $("totp-answer").focus();
    $("totp-enable-button").hidden = true;
    return `MFA on: ${answer.enabled.join(", ")} (preferred: ${answer.preferred}). ` +
      "The next sign-in asks for a code.";
  });

  step($("delete-form"), "delete-result", async () => {
    if (!$("delete-sure").checked) {
      throw new Problem(0, { code: "NotConfirmed", detail: "Tick the box first: deleting cannot be undone." });
    }
    await call("DELETE", "/admin/user", { body: { idToken: state.idToken } });
    $("delete-sure").checked = false;
    signedOut("The account is deleted: it cannot sign in, and its refresh token no longer works.");
  });

  step($("reset-form"), "reset-result", async () => {
    const username = value("reset-username");
    await call("POST", "/password/reset", { body: { username } });
    await showCode("password_reset", username, "reset-code", "reset-code-note");
    $("reset-password").focus();
    return "If the account exists, a reset code was sent.";
  });

  step($("reset-confirm-form"), "reset-confirm-result", async () => {
    const username = value("reset-username");
    await call("POST", "/password/confirm", { body: {
      username, password: $("reset-password").value, confirmationCode: value("reset-code") } });
    $("signin-username").value = username;
    $("signin-password").value = $("reset-password").value;
    return "The new password is set: sign in with it (step 3).";
  });

  // Each input's own descriptions (its hint), kept apart from the errors added to them.
  for (const input of document.querySelectorAll("input")) {
    input.dataset.describedby = input.getAttribute("aria-describedby") || "";
  }
}());
