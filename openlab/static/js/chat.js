/* OpenLab chat: the room page's live connection (/ws/chat/<room>/).
 *
 * Every message sent carries an idempotency key; it stays "pending" until the
 * server acknowledges it with its stored id, and is sent again (same key) after
 * a reconnect, so nothing is lost or duplicated. After each (re)connect the page
 * asks for everything after the last id it has; messages are kept in id order
 * and each id is shown once. Text is only ever inserted with textContent.
 */
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root || !window.WebSocket) {
    return;
  }
  var roomId = root.getAttribute("data-room");
  var me = Number(root.getAttribute("data-user"));
  var maxLength = Number(root.getAttribute("data-max-length")) || 4000;
  var heartbeatMs = (Number(root.getAttribute("data-heartbeat")) || 25) * 1000;
  var strings = document.getElementById("chat-strings").dataset;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var statusEl = document.getElementById("chat-status");
  var onlineEl = document.getElementById("chat-online");
  var olderButton = document.getElementById("chat-older");

  var items = new Map(); // message id -> <li>
  var pending = new Map(); // idempotency key -> {body, li}
  var lastId = 0;
  // Everything up to syncedId is known to be here (from the server's page or a sync); live
  // messages above it may have gaps if a broadcast was lost, so syncs start from here.
  var syncedId = 0;
  var oldestId = null;
  var socket = null;
  var attempts = 0;
  var heartbeat = null;
  var lastFrameAt = 0;
  var readTimer = null;
  var reconnectTimer = null;
  var stopped = false;

  var URL_PATTERN = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&()*+,;=%]+/g;
  var URL_TRAILING = /[.,!?:;)]+$/;

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function setStatus(state, text) {
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = text;
  }

  /* Text with http/https links as <a> elements; everything else is a text node. */
  function fillBody(el, text) {
    el.textContent = "";
    var position = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var url = match.replace(URL_TRAILING, "");
      el.appendChild(document.createTextNode(text.slice(position, offset)));
      var link = document.createElement("a");
      link.href = url;
      link.rel = "nofollow noopener noreferrer ugc";
      link.target = "_blank";
      link.textContent = url;
      el.appendChild(link);
      position = offset + url.length;
      return match;
    });
    el.appendChild(document.createTextNode(text.slice(position)));
  }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "chat-action";
    b.textContent = label;
    b.setAttribute("data-action", action);
    return b;
  }

  function renderInto(li, message) {
    li.className = "chat-message" + (message.sender.id === me ? " is-mine" : "");
    li.setAttribute("data-id", String(message.id));
    li.setAttribute("data-sender", String(message.sender.id));
    li.textContent = "";
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var sender = document.createElement("span");
    sender.className = "chat-sender";
    sender.textContent = message.sender.name;
    var time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    time.textContent = message.time;
    meta.appendChild(sender);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    if (message.edited) {
      var edited = document.createElement("span");
      edited.className = "chat-edited";
      edited.textContent = " " + strings.edited;
      meta.appendChild(edited);
    }
    li.appendChild(meta);
    var body = document.createElement("p");
    body.className = "chat-body";
    if (message.deleted || message.hidden) {
      body.classList.add("chat-removed");
      body.textContent = message.deleted ? strings.deleted : strings.hidden;
    } else {
      fillBody(body, message.body);
    }
    li.appendChild(body);
    if (!message.deleted && !message.hidden) {
      addActions(li, message.sender.id === me);
    }
  }

  function addActions(li, mine) {
    var actions = document.createElement("div");
    actions.className = "chat-actions";
    if (mine) {
      actions.appendChild(button(strings.edit, "edit"));
      actions.appendChild(button(strings["delete"], "delete"));
    } else {
      actions.appendChild(button(strings.report, "report"));
    }
    li.appendChild(actions);
  }

  function removeEmptyNote() {
    var empty = log.querySelector(".chat-empty");
    if (empty) {
      empty.remove();
    }
  }

  /* Insert or update a stored message, keeping id order and one element per id. */
  function upsert(message) {
    var li = items.get(message.id);
    if (message.key && pending.has(message.key) && message.sender.id === me) {
      var waiting = pending.get(message.key);
      pending.delete(message.key);
      if (!li) {
        li = waiting.li;
      } else {
        waiting.li.remove();
      }
    }
    if (!li) {
      li = document.createElement("li");
    }
    renderInto(li, message);
    items.set(message.id, li);
    placeInOrder(li, message.id);
    lastId = Math.max(lastId, message.id);
    if (oldestId === null || message.id < oldestId) {
      oldestId = message.id;
    }
    removeEmptyNote();
  }

  function placeInOrder(li, id) {
    var next = null;
    var children = log.querySelectorAll(".chat-message[data-id]");
    for (var i = children.length - 1; i >= 0; i--) {
      var otherId = Number(children[i].getAttribute("data-id"));
      if (children[i] === li) {
        continue;
      }
      if (otherId < id) {
        next = children[i].nextSibling;
        break;
      }
      next = children[i];
    }
    var firstPending = log.querySelector(".is-pending");
    if (next === null && firstPending && firstPending !== li) {
      next = firstPending;
    }
    if (next !== li) {
      log.insertBefore(li, next);
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function scheduleRead() {
    if (readTimer || document.visibilityState !== "visible") {
      return;
    }
    readTimer = window.setTimeout(function () {
      readTimer = null;
      if (lastId) {
        send({ type: "read", id: lastId });
      }
    }, 500);
  }

  function showOnline(list, count) {
    if (!list.length) {
      onlineEl.hidden = true;
      return;
    }
    onlineEl.hidden = false;
    var names = list
      .map(function (u) {
        return u.name;
      })
      .join("、");
    var more = count > list.length ? " " + strings.more.replace("%s", String(count - list.length)) : "";
    onlineEl.textContent = strings.online + " " + names + more;
  }

  /* A frame about a message of another room is ignored: the page shows its own room only,
   * whatever a server or a proxy sends down this socket. */
  function ofThisRoom(message) {
    return !!message && String(message.room) === String(roomId);
  }

  function onFrame(event) {
    lastFrameAt = Date.now();
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (data.type === "message" || data.type === "ack" || data.type === "update") {
      if (!ofThisRoom(data.message)) {
        return;
      }
      upsert(data.message);
      if (data.type !== "update") {
        scrollToEnd();
        scheduleRead();
      }
    } else if (data.type === "history") {
      data.messages = data.messages.filter(ofThisRoom);
      data.messages.forEach(upsert);
      if (data.messages.length) {
        syncedId = Math.max(syncedId, data.messages[data.messages.length - 1].id);
      }
      if (data.more) {
        send({ type: "sync", after: syncedId });
      } else {
        flushPending();
        scrollToEnd();
        scheduleRead();
      }
    } else if (data.type === "presence" || data.type === "pong") {
      showOnline(data.online, data.count);
      if (data.type === "pong" && data.last_id > syncedId) {
        send({ type: "sync", after: syncedId });
      }
    } else if (data.type === "reported") {
      setStatus("connected", strings.reported);
    } else if (data.type === "error") {
      if (data.key && pending.has(data.key) && data.code !== "layer_down") {
        var failed = pending.get(data.key);
        pending.delete(data.key);
        failed.li.classList.add("is-failed");
        failed.li.querySelector(".chat-body").textContent = failed.body;
        var note = document.createElement("p");
        note.className = "chat-error";
        note.setAttribute("role", "alert");
        note.textContent = data.reason;
        failed.li.appendChild(note);
        if (!input.value) {
          input.value = failed.body;
        }
      }
      setStatus("error", data.reason);
    }
  }

  function flushPending() {
    pending.forEach(function (entry, key) {
      send({ type: "message", body: entry.body, key: key });
    });
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (stopped || socket) {
      return;
    }
    setStatus("connecting", strings.connecting);
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/chat/" + roomId + "/");
    var current = socket;
    socket.onopen = function () {
      attempts = 0;
      lastFrameAt = Date.now();
      setStatus("connected", strings.connected);
      send({ type: "sync", after: syncedId });
      heartbeat = window.setInterval(function () {
        if (Date.now() - lastFrameAt > heartbeatMs * 2) {
          current.close();
          return;
        }
        send({ type: "ping" });
      }, heartbeatMs);
    };
    socket.onmessage = onFrame;
    socket.onclose = function (event) {
      window.clearInterval(heartbeat);
      if (current !== socket) {
        return;
      }
      socket = null;
      if (event.code === 4403 || event.code === 4401) {
        // Removed from the room or logged out: reconnecting would be refused.
        stopped = true;
        setStatus("closed", strings.closed);
        return;
      }
      setStatus("offline", strings.reconnecting);
      var delay = Math.min(10000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      attempts += 1;
      reconnectTimer = window.setTimeout(connect, delay);
    };
  }

  function submit(event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) {
      return;
    }
    if (body.length > maxLength) {
      setStatus("error", strings.tooLong);
      return;
    }
    var key = newKey();
    var li = document.createElement("li");
    li.className = "chat-message is-mine is-pending";
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    meta.textContent = strings.pending;
    var text = document.createElement("p");
    text.className = "chat-body";
    fillBody(text, body);
    li.appendChild(meta);
    li.appendChild(text);
    log.appendChild(li);
    removeEmptyNote();
    pending.set(key, { body: body, li: li });
    input.value = "";
    scrollToEnd();
    send({ type: "message", body: body, key: key });
  }

  function onAction(event) {
    var target = event.target.closest("button[data-action]");
    if (!target) {
      return;
    }
    var li = target.closest(".chat-message");
    var id = Number(li.getAttribute("data-id"));
    var action = target.getAttribute("data-action");
    if (action === "edit") {
      var current = li.querySelector(".chat-body").textContent;
      var body = window.prompt(strings.editPrompt, current);
      if (body && body.trim() && body !== current) {
        send({ type: "edit", id: id, body: body });
      }
    } else if (action === "delete") {
      if (window.confirm(strings.deleteConfirm)) {
        send({ type: "delete", id: id });
      }
    } else if (action === "report") {
      var reason = window.prompt(strings.reportPrompt, "");
      if (reason !== null) {
        send({ type: "report", id: id, reason: reason });
      }
    }
  }

  function loadOlder() {
    if (oldestId === null) {
      return;
    }
    olderButton.disabled = true;
    fetch("/api/chat/rooms/" + roomId + "/messages/?before=" + oldestId, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        // Keep the message that was on top where it was on screen.
        var heightBefore = log.scrollHeight;
        var topBefore = log.scrollTop;
        data.messages.filter(ofThisRoom).forEach(upsert);
        olderButton.hidden = !data.has_more;
        log.scrollTop = topBefore + (log.scrollHeight - heightBefore);
      })
      .finally(function () {
        olderButton.disabled = false;
      });
  }

  // Messages rendered by the server: register them and give them their buttons.
  Array.prototype.forEach.call(log.querySelectorAll(".chat-message[data-id]"), function (li) {
    var id = Number(li.getAttribute("data-id"));
    items.set(id, li);
    lastId = Math.max(lastId, id);
    syncedId = lastId;
    oldestId = oldestId === null ? id : Math.min(oldestId, id);
    if (!li.querySelector(".chat-removed")) {
      addActions(li, Number(li.getAttribute("data-sender")) === me);
    }
  });

  /* The @mention picker: typing "@" and the start of a display name lists the room's
   * members who match (a listbox the text box points at with aria-activedescendant);
   * up/down choose, Enter or Tab writes "@name ", Escape closes. The server resolves
   * "@display name" among the room's members (services.mentioned_members). */
  var mentionList = document.getElementById("chat-mentions");
  var mentionStatus = document.getElementById("chat-mentions-status");
  var membersData = document.getElementById("chat-members-data");
  var mentionMembers = membersData ? JSON.parse(membersData.textContent) : [];
  var mention = null; // {start, options: [member], active}

  function fold(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  /* The "@query" being typed before the caret, or null. */
  function mentionQuery() {
    var caret = input.selectionStart;
    var before = input.value.slice(0, caret);
    var at = before.lastIndexOf("@");
    if (at < 0 || caret !== input.selectionEnd) {
      return null;
    }
    if (at > 0 && /[A-Za-z0-9_]/.test(before.charAt(at - 1))) {
      return null; // an e-mail address
    }
    var query = before.slice(at + 1);
    if (query.length > 30 || /[\n@]/.test(query)) {
      return null;
    }
    return { start: at, query: query };
  }

  function closeMentions() {
    mention = null;
    mentionList.hidden = true;
    mentionList.textContent = "";
    input.removeAttribute("aria-activedescendant");
    input.removeAttribute("aria-controls");
    input.removeAttribute("aria-autocomplete");
  }

  function showActive() {
    Array.prototype.forEach.call(mentionList.children, function (li, index) {
      var active = index === mention.active;
      li.setAttribute("aria-selected", active ? "true" : "false");
      li.classList.toggle("is-active", active);
      if (active) {
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function updateMentions() {
    var found = mentionQuery();
    if (!found || !mentionMembers.length) {
      closeMentions();
      return;
    }
    var query = fold(found.query);
    var starts = [];
    var contains = [];
    mentionMembers.forEach(function (member) {
      var name = fold(member.name);
      if (name.indexOf(query) === 0) {
        starts.push(member);
      } else if (query && name.indexOf(query) > 0) {
        contains.push(member);
      }
    });
    var options = starts.concat(contains).slice(0, 8);
    var wasOpen = mention !== null;
    mention = { start: found.start, end: input.selectionStart, options: options, active: 0 };
    mentionList.textContent = "";
    if (!options.length) {
      mentionList.hidden = true;
      input.removeAttribute("aria-activedescendant");
      mentionStatus.textContent = strings.mentionNone;
      return;
    }
    options.forEach(function (member, index) {
      var li = document.createElement("li");
      li.id = "chat-mention-" + index;
      li.setAttribute("role", "option");
      li.className = "chat-mention";
      li.textContent = member.name;
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the text box
        mention.active = index;
        chooseMention();
      });
      mentionList.appendChild(li);
    });
    mentionList.hidden = false;
    input.setAttribute("aria-controls", "chat-mentions");
    input.setAttribute("aria-autocomplete", "list");
    showActive();
    if (!wasOpen || mentionStatus.getAttribute("data-count") !== String(options.length)) {
      mentionStatus.setAttribute("data-count", String(options.length));
      mentionStatus.textContent = strings.mentionCount.replace("%s", String(options.length));
    }
  }

  function chooseMention() {
    var member = mention.options[mention.active];
    var text = "@" + member.name + " ";
    input.value = input.value.slice(0, mention.start) + text + input.value.slice(mention.end);
    var caret = mention.start + text.length;
    input.setSelectionRange(caret, caret);
    closeMentions();
    mentionStatus.textContent = "";
    input.focus();
  }

  input.addEventListener("input", updateMentions);
  input.addEventListener("click", updateMentions);
  input.addEventListener("blur", function () {
    window.setTimeout(closeMentions, 100);
  });

  form.addEventListener("submit", submit);
  input.addEventListener("keydown", function (event) {
    if (mention && mention.options.length && !mentionList.hidden) {
      var count = mention.options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        mention.active = (mention.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        showActive();
        return;
      }
      if ((event.key === "Enter" && !event.ctrlKey && !event.metaKey) || event.key === "Tab") {
        event.preventDefault();
        chooseMention();
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        closeMentions();
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      submit(event);
    }
  });
  log.addEventListener("click", onAction);
  olderButton.addEventListener("click", loadOlder);
  // Scrolling up to the top of the log loads the older messages (the button stays, for the
  // keyboard and for screen readers).
  log.addEventListener("scroll", function () {
    if (log.scrollTop < 40 && !olderButton.hidden && !olderButton.disabled) {
      loadOlder();
    }
  });
  document.addEventListener("visibilitychange", scheduleRead);
  window.addEventListener("online", function () {
    if (!socket) {
      attempts = 0;
      connect();
    }
  });
  scrollToEnd();
  connect();
})();
