// mfa-page in-place updates (serve --update in-place, the default): after a
// build, bring an open page up to the new render without reloading it, when
// that gives the page a reload would give. Three documents take part:
//   old  - the page as served when it was loaded (parsed, no script run);
//   next - the page of the new build (parsed, no script run);
//   live - the document in the window, after its scripts ran.
// The change from old to next is worked out node by node and applied to the
// live document, where the live nodes it touches are still what old says
// they were. Anything a page's scripts could have acted on asks for a
// reload instead: a script or a <template> changed, an `id`, `data-*` or
// `on*` attribute changed (how scripts find elements and get their data),
// or a node to change was changed by the scripts themselves (the widget's
// container, say). The plan is made whole before anything is touched, so a
// page is never left half updated. Scripts are not run again.
var MfaUpdate = (function () {
  "use strict";

  // Nodes mfa-page adds to a preview page: never compared, never touched.
  function ours(node) {
    return node.nodeType === 1 &&
      (node.localName === "mfa-page-overlay" || node.hasAttribute("data-mfa-page"));
  }

  function kids(node) {
    var out = [];
    for (var c = node.firstChild; c; c = c.nextSibling) if (!ours(c)) out.push(c);
    return out;
  }

  function Refusal(reason) { this.reason = reason; }
  function refuse(reason) { throw new Refusal(reason); }

  // How a reason names an element: <div#container>, <p.note>, <h1>.
  function describe(node) {
    if (node.nodeType === 3) return "a text";
    if (node.nodeType === 8) return "a comment";
    if (node.nodeType !== 1) return node.nodeName.toLowerCase();
    var name = "<" + node.localName;
    var id = node.getAttribute("id");
    var cls = node.getAttribute("class");
    if (id) name += "#" + id;
    else if (cls && cls.trim()) name += "." + cls.trim().split(/\s+/)[0];
    return name + ">";
  }

  function where(node) {
    var path = [];
    for (var n = node; n && n.nodeType === 1 && n.localName !== "html" && path.length < 4; n = n.parentNode) {
      path.unshift(describe(n));
    }
    return path.length ? path.join(" > ") : describe(node);
  }

  // Scripts and templates, as written: any change to them needs a reload.
  function scripted(doc) {
    var out = [];
    var all = doc.querySelectorAll("script, template");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (ours(el) || (el.closest && el.closest("mfa-page-overlay, [data-mfa-page]"))) continue;
      out.push(el.outerHTML);
    }
    return out;
  }

  // Attributes that scripts use to find elements and read their data.
  function scriptFacing(name) {
    name = name.toLowerCase();
    return name === "id" || name.slice(0, 5) === "data-" || name.slice(0, 2) === "on";
  }

  function same(a, b) { return a.isEqualNode(b); }

  // Old children to live children. The live list may hold more nodes (added
  // by scripts); they are skipped. Matching is by kind and tag (and id), the
  // contents are checked where something is changed.
  function align(olds, lives, parent) {
    var map = [];
    var j = 0;
    for (var i = 0; i < olds.length; i++) {
      var a = olds[i];
      while (j < lives.length && !alike(a, lives[j])) j++;
      if (j === lives.length) {
        refuse("the page's scripts changed the children of " + where(parent));
      }
      map.push(lives[j++]);
    }
    return map;
  }

  function alike(a, l) {
    if (a.nodeType !== l.nodeType || a.nodeName !== l.nodeName) return false;
    return a.nodeType !== 1 || a.getAttribute("id") === l.getAttribute("id");
  }

  function Plan(live) {
    this.live = live;
    this.ops = [];
    this.changes = [];
  }

  // Replace the live nodes `ls` (which must still be the old `as`) with
  // copies of `bs`, in front of `before` (a live node, or null for the end).
  Plan.prototype.swap = function (as, bs, ls, parent, before) {
    for (var i = 0; i < as.length; i++) {
      if (!same(as[i], ls[i])) {
        refuse(describe(as[i]) + " in " + where(parent) + " was changed by the page's scripts");
      }
    }
    var doc = this.live;
    this.ops.push(function () {
      var anchor = ls.length ? ls[0] : before;
      for (var k = 0; k < bs.length; k++) parent.insertBefore(doc.importNode(bs[k], true), anchor);
      for (var m = 0; m < ls.length; m++) ls[m].remove();
    });
    this.changes.push("replaced " + as.length + " node(s) with " + bs.length + " in " + where(parent));
  };

  Plan.prototype.node = function (a, b, l) {
    if (same(a, b)) return;
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) {
      this.swap([a], [b], [l], l.parentNode, l);
      return;
    }
    if (a.nodeType === 3 || a.nodeType === 8) {
      if (l.data !== a.data) refuse("a text in " + where(l.parentNode) + " was changed by the page's scripts");
      var data = b.data;
      this.ops.push(function () { l.data = data; });
      this.changes.push("text in " + where(l.parentNode));
      return;
    }
    if (a.nodeType !== 1) refuse("a " + a.nodeName + " node changed");
    // Parsed without scripting (old, next), <noscript> holds markup; in the
    // page, text. Its content cannot be compared.
    if (a.localName === "noscript") refuse("a <noscript> in " + where(l.parentNode) + " changed");
    this.attributes(a, b, l);
    this.children(a, b, l);
  };

  Plan.prototype.attributes = function (a, b, l) {
    var seen = {};
    var names = [];
    [a, b].forEach(function (el) {
      for (var i = 0; i < el.attributes.length; i++) {
        var at = el.attributes[i];
        var key = (at.namespaceURI || "") + " " + at.localName;
        if (!seen[key]) {
          seen[key] = true;
          names.push([at.namespaceURI, at.localName, at.name]);
        }
      }
    });
    for (var i = 0; i < names.length; i++) {
      var ns = names[i][0], local = names[i][1], name = names[i][2];
      var was = a.getAttributeNS(ns, local);
      var now = b.getAttributeNS(ns, local);
      if (was === now) continue;
      if (scriptFacing(name)) {
        refuse("the " + name + " attribute of " + where(a) + " changed (scripts may read it)");
      }
      if (l.getAttributeNS(ns, local) !== was) {
        refuse("the " + name + " attribute of " + where(a) + " was changed by the page's scripts");
      }
      this.ops.push(setAttribute(l, ns, name, local, now));
      this.changes.push(name + " of " + where(a));
    }
  };

  function setAttribute(el, ns, name, local, value) {
    return function () {
      if (value === null) el.removeAttributeNS(ns, local);
      else if (ns) el.setAttributeNS(ns, name, value);
      else el.setAttribute(name, value);
    };
  }

  Plan.prototype.children = function (a, b, l) {
    var as = kids(a), bs = kids(b), ls = kids(l);
    var map = align(as, ls, l);
    // Unchanged ends first; most edits touch one place.
    var start = 0, endA = as.length, endB = bs.length;
    while (start < endA && start < endB && same(as[start], bs[start])) start++;
    while (endA > start && endB > start && same(as[endA - 1], bs[endB - 1])) { endA--; endB--; }
    if (start === endA && start === endB) return;
    // The middle: keep the longest run of unchanged nodes, change the rest.
    var pairs = matches(as.slice(start, endA), bs.slice(start, endB));
    var i = start, j = start;
    pairs.push([endA - start, endB - start]);
    for (var p = 0; p < pairs.length; p++) {
      var toA = start + pairs[p][0], toB = start + pairs[p][1];
      if (toA - i === toB - j) {
        for (; i < toA; i++, j++) this.node(as[i], bs[j], map[i]);
      } else {
        var before = toA < as.length ? map[toA] : i > 0 ? map[i - 1].nextSibling : l.firstChild;
        this.swap(as.slice(i, toA), bs.slice(j, toB), map.slice(i, toA), l, before);
      }
      i = toA + 1;
      j = toB + 1;
    }
  };

  // Longest common subsequence of equal nodes, as index pairs; a long list
  // is changed as a whole rather than compared pair by pair.
  function matches(as, bs) {
    var n = as.length, m = bs.length;
    if (n === 0 || m === 0 || n * m > 40000) return [];
    var table = [];
    for (var i = 0; i <= n; i++) table.push(new Array(m + 1).fill(0));
    for (i = n - 1; i >= 0; i--) {
      for (var j = m - 1; j >= 0; j--) {
        table[i][j] = same(as[i], bs[j])
          ? table[i + 1][j + 1] + 1
          : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    var out = [];
    i = 0;
    j = 0;
    while (i < n && j < m) {
      if (same(as[i], bs[j])) {
        out.push([i, j]);
        i++;
        j++;
      } else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    return out;
  }

  // What to do to bring `live` from `old` to `next`: { reload: reason } or
  // { ops, changes } to give to apply().
  function plan(old, next, live) {
    var p = new Plan(live);
    try {
      var od = old.doctype, nd = next.doctype;
      if (!od !== !nd || (od && !od.isEqualNode(nd))) refuse("the doctype changed");
      var before = scripted(old), after = scripted(next);
      if (before.length !== after.length) refuse("a script or template was added or removed");
      for (var i = 0; i < before.length; i++) {
        if (before[i] !== after[i]) refuse("a script or template changed");
      }
      p.node(old.documentElement, next.documentElement, live.documentElement);
    } catch (e) {
      if (e instanceof Refusal) return { reload: e.reason };
      throw e;
    }
    return { ops: p.ops, changes: p.changes };
  }

  function apply(planned) {
    for (var i = 0; i < planned.ops.length; i++) planned.ops[i]();
  }

  return { plan: plan, apply: apply };
})();
