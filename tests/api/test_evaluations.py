"""Quality evaluations of conversations (R-A-2 evaluate, R-A-5, R-AN-8)."""

from __future__ import annotations

from sqlalchemy import select

from guichet.persistence.models import Evaluation, InteractionEvent, Queue, QueueMember
from tests.api.test_conversations_access import URL, conversation, grant
from tests.factories import Org, World, problem


async def test_r_a_2_director_evaluates_an_ended_conversation(world: World, org_a: Org) -> None:
    """R-A-2 evaluate: a score, criteria and a comment on an ended conversation; the rated
    agent is its (last) agent; the event log says so (R-AN-8); the summary follows."""
    dora = await world.user(org_a, "dora", roles=())
    await world.user(org_a, "ann")
    await world.user(org_a, "bob")
    u = org_a.users
    await grant(world, org_a, "dora", "director")
    iid = await conversation(world, org_a, agents=(u["ann"], u["bob"]))
    body = {"score": 4, "criteria": {" Politeness ": 5, "Accuracy": 3}, "comment": "Good.\nFast."}
    r = await world.client.post(f"{URL}/{iid}/evaluations", json=body, headers=dora)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["score"], got["criteria"], got["comment"]) == (
        4,
        {"Politeness": 5, "Accuracy": 3},
        "Good.\nFast.",
    )
    assert (got["agent_id"], got["evaluator_id"], got["interaction_id"]) == (
        u["bob"],
        u["dora"],
        iid,
    )
    r = await world.client.post(f"{URL}/{iid}/evaluations", json={"score": 1}, headers=org_a.admin)
    assert r.status_code == 201, r.text
    listed = (await world.client.get(f"{URL}/{iid}/evaluations", headers=dora)).json()
    assert [e["score"] for e in listed] == [4, 1]
    one = (await world.client.get(f"{URL}/{iid}", headers=dora)).json()
    assert one["evaluations"] == {"count": 2, "average_score": 2.5}
    async with world.state.sessions() as s:
        rows = list(
            await s.scalars(
                select(InteractionEvent).where(InteractionEvent.type == "interaction.evaluated")
            )
        )
    assert [(e.interaction_id, e.agent_id, e.data["score"]) for e in rows] == [
        (iid, u["bob"], 4),
        (iid, u["bob"], 1),
    ]
    assert rows[0].actor_id == u["dora"]


async def test_r_a_5_evaluating_requires_the_history(world: World, org_a: Org) -> None:
    """R-A-5: the evaluate scope reaches only conversations whose history the caller may read.
    Seeing it (as a supervisor of its queue) without the history: 403 R-A-5; reading its history
    without the evaluate scope (a Manager): 403 R-A-2; not seeing it at all: 404."""
    await world.user(org_a, "ann")
    await world.user(org_a, "bob")
    eva = await world.user(org_a, "eva")
    sam = await world.user(org_a, "sam", roles=("supervisor",))
    u = org_a.users
    await grant(world, org_a, "eva", evaluate="all", history="own")
    await grant(world, org_a, "ann", "manager")
    await grant(world, org_a, "sam", evaluate="all")
    async with world.state.sessions() as s:
        q = Queue(org_id=org_a.id, kind="chat", name="Web", name_key="web")
        s.add(q)
        await s.flush()
        s.add(QueueMember(queue_id=q.id, user_id=u["sam"], role="supervisor"))
        await s.commit()
        qid = q.id
    evas = await conversation(world, org_a, agents=(u["eva"],))
    anns = await conversation(world, org_a, agents=(u["ann"],), queue_id=qid)
    ann = await world.login(f"ann@{org_a.slug}.test")
    good = {"score": 5}
    r = await world.client.post(f"{URL}/{evas}/evaluations", json=good, headers=eva)
    assert r.status_code == 201, r.text
    r = await world.client.post(f"{URL}/{anns}/evaluations", json=good, headers=eva)
    problem(r, 404)  # evaluate "all", but no history of Ann's conversation
    r = await world.client.post(f"{URL}/{anns}/evaluations", json=good, headers=sam)
    assert problem(r, 403)["rule"] == "R-A-5"
    assert problem(await world.client.get(f"{URL}/{anns}/evaluations", headers=sam), 403)
    assert (await world.client.get(f"{URL}/{anns}", headers=sam)).json()["evaluations"] is None
    r = await world.client.post(f"{URL}/{anns}/evaluations", json=good, headers=ann)
    assert problem(r, 403)["rule"] == "R-A-2"
    r = await world.client.get(f"{URL}/{anns}/evaluations", headers=ann)
    assert r.status_code == 200 and r.json() == []


async def test_r_a_2_evaluation_checks(world: World, org_a: Org, org_b: Org) -> None:
    """Only an ended conversation (409); score and criteria 1..5, at most 20 criteria named
    with 1..60 characters, a comment of at most 5000 (422); another organization: 404."""
    await world.user(org_a, "ann")
    ann = org_a.users["ann"]
    live = await conversation(world, org_a, agents=(ann,), status="assigned")
    done = await conversation(world, org_a, agents=(ann,))
    gone = await conversation(world, org_a, status="abandoned")
    admin = org_a.admin
    for iid in (live, gone):
        r = await world.client.post(f"{URL}/{iid}/evaluations", json={"score": 3}, headers=admin)
        assert problem(r, 409)["code"] == "not_ended"
    bad = [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "3"}, "score"),
        ({"score": 3, "criteria": {"a": 6}}, "criteria.a"),
        ({"score": 3, "criteria": {"x" * 61: 3}}, "criteria"),
        ({"score": 3, "criteria": {"   ": 3}}, "criteria"),
        ({"score": 3, "criteria": {"a": 3, " a": 4}}, "criteria"),
        ({"score": 3, "criteria": {f"c{i}": 3 for i in range(21)}}, "criteria"),
        ({"score": 3, "comment": "x" * 5001}, "comment"),
        ({"score": 3, "agent_id": ann}, "agent_id"),
    ]
    for body, field in bad:
        r = await world.client.post(f"{URL}/{done}/evaluations", json=body, headers=admin)
        got = problem(r, 422)
        assert got["field"].startswith(field), (body, got)
    async with world.state.sessions() as s:
        assert list(await s.scalars(select(Evaluation.id))) == []
    r = await world.client.post(f"{URL}/{done}/evaluations", json={"score": 3}, headers=org_b.admin)
    problem(r, 404)
    problem(await world.client.get(f"{URL}/{done}/evaluations", headers=org_b.admin), 404)
    problem(await world.client.get(f"{URL}/999999/evaluations", headers=admin), 404)
