from qamqor.core.collation import sort_key
from qamqor.registry.selectors import pupil_queryset
from qamqor.testing import PersonaTestCase, make_pupil


def test_kazakh_alphabet_order():
    words = ["Ізбасаров", "Әлиев", "Абаев", "Яковлев", "Қасымов", "Ұлықбек", "Бекова", "Ғани"]
    assert sorted(words, key=sort_key) == [
        "Абаев",
        "Әлиев",
        "Бекова",
        "Ғани",
        "Қасымов",
        "Ұлықбек",
        "Ізбасаров",
        "Яковлев",
    ]


class DatabaseOrder(PersonaTestCase):
    def test_pupil_list_sorts_in_kazakh_order_on_this_database(self):
        for surname in ("Ізбасаров", "Әлиев", "Абаев", "Яковлев", "Қасымов"):
            make_pupil(self.school, self.other_class, surname=surname)
        got = [
            p.surname
            for p in pupil_queryset(self.pedagog, {"sort": "name"})
            if p.surname in {"Ізбасаров", "Әлиев", "Абаев", "Яковлев", "Қасымов"}
        ]
        self.assertEqual(got, ["Абаев", "Әлиев", "Қасымов", "Ізбасаров", "Яковлев"])
