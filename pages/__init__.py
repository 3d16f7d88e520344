"""Reading a government web page, below both the spiders and the parse stage: its text and dates
(:mod:`pages.text`), report titles (:mod:`pages.titles`), links and chrome (:mod:`pages.html`), and an
article's metadata and attachments (:mod:`pages.article`)."""
