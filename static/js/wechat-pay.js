// Paying inside WeChat's browser (JSAPI): open WeChat's payment sheet with the parameters
// the server signed (appId, timeStamp, nonceStr, package, signType, paySign), once the
// bridge is ready and again when the learner taps the button (after closing the sheet).
// Whatever the sheet says, order-pay.js asks the server for the order's status: only
// WeChat Pay's notification (or the server's own query) marks the order paid.
(function () {
  "use strict";
  var box = document.querySelector("[data-wechat-bridge]");
  if (!box) return;
  var source = document.getElementById(box.getAttribute("data-wechat-bridge"));
  var params = source ? JSON.parse(source.textContent) : null;
  var button = box.querySelector("[data-wechat-pay]");
  if (!params) return;

  function pay() {
    if (typeof window.WeixinJSBridge === "undefined") return;
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (result) {
      // "get_brand_wcpay_request:ok" | ":cancel" | ":fail": shown by the status poll.
      box.setAttribute("data-bridge-result", (result && result.err_msg) || "");
    });
  }

  if (button) button.addEventListener("click", pay);
  if (typeof window.WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    pay();
  }
})();
