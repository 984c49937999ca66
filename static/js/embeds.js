// Click-to-load embeds (articles/blocks.py draws the placeholders). Until a reader presses
// "Load", the page makes no request to the provider; without script, the link stays.
"use strict";
document.documentElement.classList.add("has-js");
document.addEventListener("click", (event) => {
  const button = event.target.closest(".embed__load");
  const embed = button && button.closest(".embed");
  if (!embed || !embed.dataset.player.startsWith("https://")) return;
  const player = document.createElement("iframe");
  player.src = embed.dataset.player;
  player.title = embed.dataset.title;
  player.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
  player.allowFullscreen = true;
  player.referrerPolicy = "strict-origin-when-cross-origin";
  embed.querySelector(".embed__placeholder").replaceWith(player);
  player.focus();
});
