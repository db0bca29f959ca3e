"""E-mails in the recipient's language: the worker has no request to take a language
from, so it writes in the one stored with the person (`User.language`: the language
they signed up in, or chose on their profile). Sent by the real worker process and read
back from the files it wrote (tests/conftest.py, `worker_mail`)."""

import pytest
from django.db import transaction

from accounts import services as account_services
from dashboard import services as dashboard_services
from proposals import comment_services, services
from tests.factories import project_make, proposal_make, role_make, user_make
from tests.integration.processes import wait_until
from voting.models import ProjectVoting
from voting.services import vote_cast

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def mail_to(worker_mail, address: str, what: str):
    def arrived():
        return [m for m in worker_mail() if address in m["To"]]

    [message] = wait_until(arrived, timeout=30, what=f"the worker to send {what}")
    return " ".join(str(message["Subject"]).split()), message.get_content()


def person(username: str, language: str):
    user = user_make(username, display_name=username.title())
    type(user).objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    return user


def test_a_comment_notification_is_in_the_authors_language(worker_mail):
    project = project_make()
    for username, language in (("montse", "ca"), ("mary", "en")):
        proposal = proposal_make(project, person(username, language), title="Bancs a l'ombra")
        with transaction.atomic():
            comment_services.comment_create(proposal=proposal, author=user_make(f"n-{username}"),
                                            body="Molt d'acord.")
    subject, body = mail_to(worker_mail, "montse@example.org", "the Catalan comment e-mail")
    assert subject == "[Plaza] n-montse ha comentat «Bancs a l'ombra»"
    assert body.startswith("Hola, Montse:")
    assert "Novetats del que segueixes a Plaza:" in body
    assert "Deixa de rebre tots aquests correus:" in body
    subject, body = mail_to(worker_mail, "mary@example.org", "the English comment e-mail")
    assert subject == "[Plaza] n-mary commented on “Bancs a l'ombra”"
    assert body.startswith("Hello Mary,") and "Stop all these e-mails:" in body


def test_a_status_change_is_in_the_authors_language(worker_mail, planner):
    project = project_make()
    for username, language in (("jordi", "ca"), ("john", "en"), ("lucia", "es")):
        proposal = proposal_make(project, person(username, language), title="Una font")
        services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    subject, body = mail_to(worker_mail, "jordi@example.org", "the Catalan status e-mail")
    assert subject == "[Plaza] La teva proposta «Una font» ara està: Preseleccionada"
    assert body.startswith("Hola, Jordi:") and "Preseleccionada" in body
    subject, body = mail_to(worker_mail, "lucia@example.org", "the Spanish status e-mail")
    assert subject == "[Plaza] Tu propuesta «Una font» ahora está: Preseleccionada"
    assert body.startswith("Hola, Lucia:")
    subject, body = mail_to(worker_mail, "john@example.org", "the English status e-mail")
    assert subject == "[Plaza] Your proposal “Una font” is now: Shortlisted"
    assert body.startswith("Hello John,")


def test_a_role_decision_is_in_the_citizens_language(worker_mail, planner):
    role = role_make("resident", "1")
    for username, language in (("nuria", "ca"), ("nick", "en")):
        claim = account_services.role_claim_submit(user=person(username, language), role=role,
                                                   evidence="Carrer de Pujades, 1")
        with transaction.atomic():
            account_services.role_claim_verify(claim_id=claim.pk, planner=planner)
    subject, body = mail_to(worker_mail, "nuria@example.org", "the Catalan decision e-mail")
    assert subject.startswith("[Plaza] La teva sol·licitud com a Resident: ")
    assert body.startswith("Hola, Nuria:")
    subject, body = mail_to(worker_mail, "nick@example.org", "the English decision e-mail")
    assert subject.startswith("[Plaza] Your claim as Resident: ")
    assert body.startswith("Hello Nick,")


def test_the_citys_answer_is_in_each_voters_language(worker_mail, planner):
    project = project_make("vote-now", phase="voting", before_phases=lambda p: (
        ProjectVoting.objects.create(project=p, unverified_weight="1")))
    proposal = proposal_make(project, user_make("author"), title="Un parc")
    for username, language in (("pau", "ca"), ("paul", "en")):
        vote_cast(user=person(username, language), proposal=proposal, value=1)
    dashboard_services.proposal_answer_write(proposal=proposal, planner=planner,
                                             answer="El farem l'any vinent.")
    # Voters hear the answer at once through the notifications (no settings: at once).
    subject, body = mail_to(worker_mail, "pau@example.org", "the Catalan answer e-mail")
    assert subject == "[Plaza] «Un parc» ha rebut una resposta oficial"
    assert "El farem l'any vinent." in body and body.startswith("Hola")
    subject, body = mail_to(worker_mail, "paul@example.org", "the English answer e-mail")
    assert subject == "[Plaza] “Un parc” received an official answer"
    assert "El farem l'any vinent." in body and body.startswith("Hello")
