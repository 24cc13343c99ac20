"""The Platform CMK API client: the one package that calls Adobe. It imports nothing of Pulumi.

- :mod:`~providers.platform.client`: :class:`PlatformClient`, one method per documented call;
- :mod:`~providers.platform.byok`: the BYOK operation (look up, decide, send once, wait, resend
  after an early ``FAILED``);
- :mod:`~providers.platform.models`: Adobe's answers, parsed leniently;
- :mod:`~providers.platform.decisions`: the pure decisions (status classes, whether a POST landed,
  whether an answer is about this POST, whether to send again, ``Retry-After``);
- :mod:`~providers.platform.polling`: one ``poll_until`` with the schedule, used by every wait;
- :mod:`~providers.platform.http`: the ``requests`` session with urllib3 retries and per-operation
  deadlines; :mod:`~providers.platform.endpoints`: which URLs may carry a credential;
- :mod:`~providers.platform.answers`: what an HTTP answer means (its error, or nothing);
- :mod:`~providers.platform.ims`: access tokens; :mod:`~providers.platform.errors`: one-line
  errors; :mod:`~providers.platform.redaction`: secrets masked in every text that leaves.

Its errors speak of HTTP and Adobe; the dynamic providers translate them into the user's words.
"""
