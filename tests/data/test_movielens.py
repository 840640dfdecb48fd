"""The MovieLens parsers: the real releases read exactly, and the other layouts on files the tests write."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lab.data.movielens import read_release

# --- real releases -------------------------------------------------------------------------------------


def test_ml100k_is_parsed_exactly(ml100k):
    r, items, users = ml100k.ratings, ml100k.items, ml100k.users
    assert (len(r), r.user_id.nunique(), r.item_id.nunique()) == (100_000, 943, 1_682)
    assert [str(t) for t in r.dtypes] == ["int64", "int64", "float32", "int64"]
    assert sorted(r.rating.unique()) == [1, 2, 3, 4, 5]
    assert len(items) == 1_682 and len(users) == 943
    toy = items.set_index("item_id").loc[1]
    assert toy.title == "Toy Story (1995)" and toy.year == 1995
    assert toy.genres == ["Animation", "Children's", "Comedy"]
    # u.item is Latin-1: accented titles survive
    assert items.set_index("item_id").loc[543, "title"] == "Misérables, Les (1995)"
    assert pd.isna(items.set_index("item_id").loc[267, "year"])  # the one item with no date
    assert ml100k.genres[0] == "unknown" and len(ml100k.genres) == 19
    assert ml100k.genre_matrix().shape == (1_682, 19)
    assert ml100k.genre_matrix()[0].sum() == 3
    assert users.set_index("user_id").loc[1].to_dict() == {
        "age": 24,
        "gender": "M",
        "occupation": "technician",
        "zip": "85711",
    }
    assert "verified" in ml100k.source


def test_ml_latest_small_is_parsed_exactly(ml_latest_small):
    r, items = ml_latest_small.ratings, ml_latest_small.items
    assert (len(r), r.user_id.nunique(), len(items)) == (100_836, 610, 9_742)
    assert set(np.unique(r.rating)) == set(np.arange(1, 11) / 2)
    assert ml_latest_small.rating_scale == (0.5, 5.0)
    eleven = items.set_index("item_id").loc[11]
    assert eleven.title == "American President, The (1995)"  # a quoted title with a comma
    assert eleven.year == 1995 and eleven.genres == ["Comedy", "Drama", "Romance"]
    assert not items.title.str.contains("\r").any()  # CRLF line ends do not leak into fields
    assert len(ml_latest_small.tags) == 3_683
    assert ml_latest_small.users is None
    no_genre = items.set_index("item_id").loc[114335]  # listed as "(no genres listed)"
    assert no_genre.genres == []


# --- the other layouts, on files the tests write --------------------------------------------------------


def test_dat_layout_ml1m(tmp_path):
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    (folder / "ratings.dat").write_text(
        "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n"
    )
    (folder / "movies.dat").write_bytes(
        "1193::One Flew Over: The Nest (1975)::Drama\n661::Misérables, Les (1995)::Drama|Musical\n".encode(
            "latin-1"
        )
    )
    (folder / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n")
    ds = read_release(folder, "dat", name="ml-1m")
    assert ds.ratings.to_numpy().tolist() == [
        [1, 1193, 5, 978300760],
        [1, 661, 3, 978302109],
        [2, 1193, 4, 978298413],
    ]
    assert [str(t) for t in ds.ratings.dtypes] == ["int64", "int64", "float32", "int64"]
    assert ds.items.title.tolist() == ["One Flew Over: The Nest (1975)", "Misérables, Les (1995)"]
    assert ds.items.year.tolist() == [1975, 1995]
    assert ds.users.occupation.tolist() == ["K-12 student", "self-employed"]
    assert ds.users.age.tolist() == [1, 56]
    assert ds.rating_scale == (1.0, 5.0)


def test_dat_layout_ml10m_tags(tmp_path):
    folder = tmp_path / "ml-10M100K"
    folder.mkdir()
    (folder / "ratings.dat").write_text("1::122::4.5::838985046\n")
    (folder / "movies.dat").write_text("122::Boomerang (1992)::Comedy|Romance\n")
    (folder / "tags.dat").write_text("15::4973::excellent!::1215184630\n20::122::a::b c::1\n")
    ds = read_release(folder, "dat", name="ml-10m")
    assert ds.ratings.rating.tolist() == [4.5]
    assert ds.tags.tag.tolist() == ["excellent!", "a::b c"]
    assert ds.users is None


def test_csv_layout_year_ranges_and_missing_years(tmp_path):
    folder = tmp_path / "ml-20m"
    folder.mkdir()
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,0.5,1\n")
    (folder / "movies.csv").write_text(
        'movieId,title,genres\n1,"Babylon 5",Sci-Fi\n'
        '2,"Fawlty Towers (1975-1979)",Comedy\n3,"Heat (1995) ",Action\n'
    )
    ds = read_release(folder, "csv", name="ml-20m")
    assert ds.items.year.tolist()[1:] == [1975, 1995] and pd.isna(ds.items.year[0])
    assert ds.items.title.tolist()[2] == "Heat (1995)"
