"""Reads of the after-school program, by audience: ``eligibility`` (the application rule, read by
the service, the API and the pages), ``family`` (guardians), ``teaching`` (teachers),
``supervision`` (school staff and supervisors), ``satisfaction`` (parents' ratings).
Import from the submodule."""
