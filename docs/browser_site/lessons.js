// The list of lessons: a link for each that runs here, the reason for each that runs locally.
const list = document.getElementById("lessons");
const config = await fetch(new URL("config.json", location.href)).then((r) => r.json());
list.replaceChildren(
  ...config.lessons.map((lesson) => {
    const item = document.createElement("li");
    if (!lesson.local) {
      const link = document.createElement("a");
      link.href = `lesson.html#${lesson.name}`;
      link.textContent = lesson.title;
      item.append(link, " — runs in your browser");
    } else {
      item.className = "ags-local";
      item.textContent = `${lesson.title} — runs locally: ${lesson.local}`;
    }
    return item;
  })
);
document.body.dataset.state = "listed";
