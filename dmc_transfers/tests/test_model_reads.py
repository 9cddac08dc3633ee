"""Hand-written reads (``dmc_transfers.sql.ModelRead``) build the instances the ORM builds."""
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django_fsm import FSMField, FSMFieldDescriptor
from knox.models import get_token_model

from bookings.models import Transfer, TransferStatusHistory
from bookings.tests.factories import TransferFactory
from dmc_transfers.sql import ModelRead, _only_stores, column, model_read
from fleet.models import Vehicle

HOT_READS = [Transfer, TransferStatusHistory, Vehicle, get_user_model(), get_token_model()]


@pytest.fixture
def transfer(integrator):
    transfer = TransferFactory(created_by=integrator, client_reference="R-1", notes="Child seat")
    get_token_model().objects.create(user=integrator)
    return transfer


def read(model, pk, reads=model_read):
    """Row ``pk`` of ``model``, through ``reads(model)``: the cached ``ModelRead``, or a fresh one."""
    (found,) = reads(model)(f"WHERE {column(model, 'pk', 't')} = %s", [pk])
    return found


def as_built(instance):
    state = {name: value for name, value in vars(instance).items() if name != "_state"}
    return type(instance), state, instance._state.adding, instance._state.db


@pytest.mark.parametrize("model", HOT_READS)
@pytest.mark.django_db
@pytest.mark.integration
def test_a_read_builds_the_instance_the_orm_does(transfer, model):
    pk = model.objects.values_list("pk", flat=True).get()
    assert as_built(read(model, pk)) == as_built(model.objects.get(pk=pk))


@pytest.mark.django_db
@pytest.mark.integration
def test_a_transfer_read_keeps_its_state_protected(transfer):
    found = read(Transfer, transfer.pk)
    with pytest.raises(AttributeError):
        found.status = "CONFIRMED"
    assert found.status == "PENDING" and found.vehicle == transfer.vehicle


@pytest.mark.django_db
@pytest.mark.integration
def test_a_post_init_receiver_hears_of_every_instance_read(transfer):
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(receiver, sender=Vehicle)
    try:
        found = read(Vehicle, transfer.vehicle_id)
    finally:
        post_init.disconnect(receiver, sender=Vehicle)
    assert heard == [found] and heard[0] is found


@pytest.mark.unit
@pytest.mark.parametrize("model", HOT_READS)
def test_the_hot_reads_build_their_instances_without_init(model):
    # A pre_init/post_init receiver, an __init__ or a field attribute that does more would cost the
    # hot reads their fast path: about 3 % of a confirmation (bench/NOTEBOOK.md).
    assert model_read(model).stored_plainly and not pre_init.receivers and not post_init.receivers


@pytest.mark.django_db
@pytest.mark.integration
@pytest.mark.parametrize("override", ["__init__", "from_db"])
def test_a_model_with_its_own_init_or_from_db_is_built_through_them(transfer, monkeypatch, override):
    ran = []
    if override == "__init__":
        def own(self, *args, **kwargs):
            ran.append(self)
            Model.__init__(self, *args, **kwargs)
    else:
        def own(cls, db, field_names, values):
            ran.append(cls)
            return Model.from_db.__func__(cls, db, field_names, values)
        own = classmethod(own)
    monkeypatch.setattr(Vehicle, override, own)
    found = read(Vehicle, transfer.vehicle_id, reads=ModelRead)
    assert len(ran) == 1 and found.plate == transfer.vehicle.plate


@pytest.mark.django_db
@pytest.mark.integration
def test_a_model_with_an_attribute_that_does_more_than_store_is_built_through_init(transfer, monkeypatch):
    sets = []

    class Recording(DeferredAttribute):
        def __set__(self, instance, value):
            sets.append(value)
            instance.__dict__[self.field.attname] = value

    monkeypatch.setattr(Vehicle, "plate", Recording(Vehicle._meta.get_field("plate")))
    found = read(Vehicle, transfer.vehicle_id, reads=ModelRead)
    assert sets == [transfer.vehicle.plate] and found.plate == transfer.vehicle.plate


class Descriptor:
    def __get__(self, instance, owner=None):
        return self

    def __set__(self, instance, value):
        instance.__dict__["seen"] = value


class Thing:
    plain = 1
    described = Descriptor()
    proxied_state = FSMFieldDescriptor(FSMField(default="NEW", state_choices=[("OLD", "Old", "bookings.Transfer")]))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("model", "name", "only_stores"),
    [
        (Thing, "plain", True),
        (Thing, "described", False),
        (Thing, "proxied_state", False),
        (Transfer, "status", True),
        (Transfer, "vehicle_id", True),
        (Transfer, "pickup_time", True),
    ],
)
def test_an_attribute_that_does_more_than_store_sends_its_model_through_init(model, name, only_stores):
    assert _only_stores(model, name) is only_stores
