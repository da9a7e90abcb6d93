"""The pages' front end as files: CSS, JavaScript and HTML templates, read by :mod:`.pages`."""
