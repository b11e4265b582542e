import pytest

from brainview.connectome import Selector, SelectorError, resolve


def test_parse_fields_and_bare_names():
    assert Selector.parse("type:AVA") == Selector("cell_type", ("AVA",))
    assert Selector.parse("subsystem:steering") == Selector("subsystem", ("steering",))
    assert Selector.parse("ALML, ALMR,AVM") == Selector("name", ("ALML", "ALMR", "AVM"))
    assert Selector.parse("id:720575940622486057").values == ("720575940622486057",)
    assert str(Selector.parse("class:DAN")) == "class:DAN"


@pytest.mark.parametrize("text, message", [
    ("colour:red", "unknown selector field"),
    ("type:", "names no value"),
    ("id:abc", "must be integers"),
])
def test_bad_selectors_say_why(text, message):
    with pytest.raises(SelectorError, match=message):
        Selector.parse(text)


def test_resolve_rows_and_empty_selection(tiny):
    assert resolve(tiny, "type:T1").tolist() == [2, 3]
    assert resolve(tiny, "N0,N5").tolist() == [0, 5]
    assert resolve(tiny, "id:1010").tolist() == [1]
    with pytest.raises(SelectorError, match="did you mean T1"):
        resolve(tiny, "type:T11")
    with pytest.raises(SelectorError, match="matches no cell"):
        resolve(tiny, "region:GNG")
