// Tells the server the browser's time zone once (and again after a move), so times are shown
// in the visitor's hours until their profile names a zone (core.middleware.UserTimeZoneMiddleware).
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  var current = document.cookie.match(/(?:^|; )zq_tz=([^;]*)/);
  if (current && decodeURIComponent(current[1]) === zone) return;
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "zq_tz=" + encodeURIComponent(zone) + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
