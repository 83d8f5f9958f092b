"""generator/diagram/layout.py: the blocks Mermaid lays out alone, and the invisible links that keep each
block top to bottom and narrow."""

import pytest

from generator.diagram.layout import ROW, blocks, hints
from generator.diagram.model import Box, Edge


def vpc() -> Box:
    """A VPC with two zones (a public subnet node above a private subnet holding an instance), a client and
    what it reaches."""
    zones = [
        Box(f"az_{z}", f"AZ {z}", "az", boxes=[Box(f"Public{z}", "", "public"), Box(f"Private{z}", "", "private",
                                                                                    nodes=[f"Instance{z}"])])
        for z in "ab"
    ]  # fmt: skip
    return Box("Vpc", "VPC", "vpc", nodes=["Cluster", "Clients", "Gateway"], boxes=zones)


SECRETS = Box("service_SecretsManager", "Secrets Manager", "service", nodes=["Admin", "Secret"])
IAM = Box("service_IAM", "IAM", "service", nodes=["Reader"])
KINESIS = Box("service_Kinesis", "Kinesis", "service", nodes=["Consumer", "Producer", "Stream"])
KEYS = Box("service_KMS", "KMS", "service", nodes=["K1", "K2", "K3", "K4", "K5"])
EDGES = [
    Edge("Gateway", "Publica", "route", "route"),
    Edge("Gateway", "Publicb", "route", "route"),
    Edge("Clients", "Cluster", "5432/tcp"),
    Edge("Clients", "Secret", "rotates", "data"),
    Edge("Secret", "Admin", "read by", "data"),
    Edge("Cluster", "Reader", "login r", "login"),
    Edge("Producer", "Stream", "writes", "data"),
    Edge("Stream", "Consumer", "read by", "data"),
]
DRAWN = {"Cluster", "Clients", "Gateway", "Publica", "Publicb", "Instancea", "Instanceb", "Admin", "Secret", "Reader",
         "Consumer", "Producer", "Stream", "K1", "K2", "K3", "K4", "K5"}  # fmt: skip


def test_boxes_joined_by_an_edge_share_a_block_in_the_order_of_their_first():
    network = vpc()
    found = blocks([network, KINESIS, SECRETS, KEYS, IAM], EDGES)
    assert [[b.id for b in block] for block in found] == [
        ["Vpc", "service_SecretsManager", "service_IAM"],  # the rotated secret and the cluster's logins
        ["service_Kinesis"],  # the stream and its users: no edge to the rest, laid out alone
        ["service_KMS"],
    ]


@pytest.mark.parametrize(
    "hint, why",
    [
        (("Publica", "Instancea"), "a public subnet above the private one in its zone"),
        (("Publicb", "Instanceb"), "in each zone"),
        (("Instancea", "Clients"), "the VPC's clients below the zones"),
        (("Cluster", "Secret"), "what lies outside the VPC below what its clients reach"),
        (("Admin", "Reader"), "each next box outside the VPC under the one before"),
    ],
    ids=["zone a", "zone b", "clients", "first box below", "next box below"],
)
def test_a_block_reads_top_to_bottom(hint, why):
    assert hint in hints([vpc(), SECRETS, IAM], EDGES, DRAWN), why


def test_a_reader_is_not_pulled_above_its_store():
    found = hints([vpc(), SECRETS, IAM], EDGES, DRAWN)
    assert ("Cluster", "Admin") not in found  # the break-glass role hangs under the secret it reads


def test_a_box_without_edges_is_cut_in_rows():
    assert ROW == 3
    assert hints([KEYS], EDGES, DRAWN) == [("K1", "K4"), ("K2", "K5")]  # K4 under K1, K5 under K2
    assert hints([KINESIS], EDGES, DRAWN) == []  # its edges order it


def test_the_box_more_edges_join_to_the_vpc_comes_first():
    logins = Box("service_IAM", "IAM", "service", nodes=["Reader", "Writer"])
    edges = [*EDGES, Edge("Cluster", "Writer", "login w", "login")]
    found = hints([vpc(), SECRETS, logins], edges, DRAWN | {"Writer"})
    assert {("Cluster", "Reader"), ("Cluster", "Writer"), ("Writer", "Secret")} <= set(found)
    assert ("Cluster", "Secret") not in found  # the secrets come next, under the logins
