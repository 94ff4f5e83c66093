"""Files: where Academy keeps every file (activity files, exercise media, form-check
videos), in a folder or an S3-compatible bucket behind one interface; the signed,
short-lived links that hand them out; and the reading of an uploaded picture or video
(its type from its bytes, its bounds, a thumbnail, its metadata stripped).

The download route for links to a folder's files is in ``routes.py``; the app factory
registers it.
"""
