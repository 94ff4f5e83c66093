"""Mail: written to an outbox in the request's transaction, sent by the worker.

``service.send_later`` renders a mail from its templates and adds it to the outbox;
``worker`` (``flask academy worker``) sends what is due over SMTP.
"""
