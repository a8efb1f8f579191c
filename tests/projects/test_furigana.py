from openlab.furigana import ruby_html


def test_kanji_get_readings_and_okurigana_stay_outside():
    html = ruby_html("食べ物を大切に")
    assert html == (
        "<ruby>食<rp>(</rp><rt>た</rt><rp>)</rp></ruby>べ"
        "<ruby>物<rp>(</rp><rt>もの</rt><rp>)</rp></ruby>を"
        "<ruby>大切<rp>(</rp><rt>たいせつ</rt><rp>)</rp></ruby>に"
    )


def test_kana_only_text_is_unchanged_and_markup_is_escaped():
    assert ruby_html("ごみひろい") == "ごみひろい"
    html = ruby_html('<script>alert("北山")</script>')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "<rt>きたやま</rt>" in html


def test_newlines_are_kept():
    assert ruby_html("一\n二").count("\n") == 1


def test_readings_follow_the_context_and_the_city_names():
    # 人 is ひと after 「必要な」 and にん after 「三」 (pykakasi read にん in both).
    assert "<ruby>人<rp>(</rp><rt>ひと</rt>" in ruby_html("必要な人")
    assert "<ruby>人<rp>(</rp><rt>にん</rt>" in ruby_html("三人で行きました")
    # The city's names from the override table, word by word where a name has words.
    assert ruby_html("北山公園と全生園") == (
        "<ruby>北山<rp>(</rp><rt>きたやま</rt><rp>)</rp></ruby>"
        "<ruby>公園<rp>(</rp><rt>こうえん</rt><rp>)</rp></ruby>と"
        "<ruby>全生園<rp>(</rp><rt>ぜんしょうえん</rt><rp>)</rp></ruby>"
    )


def test_pages_rendered_in_several_threads_at_once_all_get_their_furigana():
    # One Sudachi tokenizer refuses a second thread ("Tokenizer is already in use").
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"東村山市の北山公園で必要な人が集まりました。{n}回目" * 20 for n in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(ruby_html, texts))
    assert all(page.count("<rt>ひがしむらやま</rt>") == 20 for page in pages)
