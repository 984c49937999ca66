// Clicking the preview on a photo's admin page sets its focal point, in % of the picture.
document.addEventListener("click", (event) => {
  const picker = event.target.closest("[data-focal-picker]");
  if (!picker) return;
  const box = picker.getBoundingClientRect();
  const x = Math.round(((event.clientX - box.left) / box.width) * 1000) / 10;
  const y = Math.round(((event.clientY - box.top) / box.height) * 1000) / 10;
  document.getElementById("id_focal_x").value = x;
  document.getElementById("id_focal_y").value = y;
  const marker = picker.querySelector("[data-focal-marker]");
  marker.style.left = `${x}%`;
  marker.style.top = `${y}%`;
});
