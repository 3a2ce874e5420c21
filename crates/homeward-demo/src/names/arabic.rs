//! Arabic names: given names of Arab women and men (Arabic script, then the Latin passport
//! form in the eastern and, after a second `|`, the North African French-influenced
//! spelling), family names of both regions, the Arabic given names children born in
//! IS-held territory were often given (Arabic, Latin, Cyrillic), and the nisbas ("the
//! Turkish one") that follow a kunya.

use super::Table;

/// Arab given names and family names of the Mashreq (Egypt, Syria, Lebanon, Jordan).
pub(crate) static MASHREQ: Table = Table {
    female: FEMALE,
    male: MALE,
    surnames: &[
        "المصري|Al-Masri",
        "حداد|Haddad",
        "الخطيب|Al-Khatib",
        "النجار|Al-Najjar",
        "الحسن|Al-Hassan",
        "عبدالرحمن|Abdel Rahman",
        "السيد|El-Sayed",
        "إبراهيم|Ibrahim",
        "حسن|Hassan",
        "الأحمد|Al-Ahmad",
        "العلي|Al-Ali",
        "الزعبي|Al-Zoubi",
        "الشامي|Al-Shami",
        "العمري|Al-Omari",
        "الحلبي|Al-Halabi",
        "فرحات|Farhat",
        "عبدالله|Abdallah",
        "الخليل|Al-Khalil",
    ],
};

/// Arab given names and family names of the Maghreb (Tunisia, Morocco and the diaspora in
/// France, Belgium and the Netherlands).
pub(crate) static MAGHREB: Table = Table {
    female: FEMALE,
    male: MALE,
    surnames: &[
        "بن صالح|Ben Salah",
        "الجبالي|Jebali",
        "بوزيد|Bouzid",
        "الحمامي|Hammami",
        "العلوي|Alaoui",
        "الإدريسي|El Idrissi",
        "بنسعيد|Bensaid",
        "الفاسي|El Fassi",
        "العمراني|El Amrani",
        "التازي|Tazi",
        "الشرقاوي|Cherkaoui",
        "الدريدي|Dridi",
        "السويسي|Souissi",
        "الغربي|Gharbi",
        "الرياحي|Riahi",
        "بوعزة|Bouazza",
        "المنصوري|El Mansouri",
        "الزياني|Ziani",
    ],
};

const FEMALE: &[&str] = &[
    "فاطمة|Fatima|Fatma",
    "مريم|Maryam|Meriem",
    "خديجة|Khadija|Khadija",
    "عائشة|Aisha|Aicha",
    "زينب|Zainab|Zineb",
    "سارة|Sara",
    "أسماء|Asmaa|Asma",
    "هدى|Huda|Houda",
    "نور|Nour",
    "إيمان|Iman|Imane",
    "سلمى|Salma",
    "رحمة|Rahma",
    "آمنة|Amna|Amina",
    "سمية|Sumaya|Soumaya",
    "حنان|Hanan",
    "ليلى|Layla|Leila",
    "ياسمين|Yasmin|Yasmine",
    "نادية|Nadia",
    "سهام|Siham",
    "وفاء|Wafaa|Wafa",
    "رانيا|Rania",
    "دعاء|Doaa|Douaa",
];

const MALE: &[&str] = &[
    "محمد|Mohammad|Mohamed",
    "أحمد|Ahmad|Ahmed",
    "عمر|Omar",
    "علي|Ali",
    "يوسف|Yousef|Youssef",
    "حمزة|Hamza",
    "خالد|Khaled",
    "إبراهيم|Ibrahim|Brahim",
    "عبدالله|Abdullah|Abdallah",
    "مصطفى|Mustafa|Mustapha",
    "بلال|Bilal",
    "طارق|Tareq|Tarek",
    "كريم|Karim",
    "سعيد|Saeed|Said",
    "أنس|Anas",
    "ياسين|Yaseen|Yassine",
];

/// Arabic given names for boys: Arabic, Latin, Cyrillic.
pub(crate) static CHILD_BOYS: &[&str] = &[
    "عبدالله|Abdullah|Абдулла",
    "عبدالرحمن|Abdurrahman|Абдурахман",
    "عمر|Umar|Умар",
    "حمزة|Hamza|Хамза",
    "يوسف|Yusuf|Юсуф",
    "محمد|Muhammad|Мухаммад",
    "إبراهيم|Ibrahim|Ибрагим",
    "خالد|Khalid|Халид",
    "الزبير|Zubair|Зубайр",
    "مصعب|Musab|Мусаб",
    "طلحة|Talha|Тальха",
    "معاذ|Muadh|Муаз",
    "عبيدة|Ubaida|Убайда",
    "يحيى|Yahya|Яхья",
    "سليمان|Sulayman|Сулейман",
    "البراء|Baraa|Бараа",
    "عثمان|Uthman|Усман",
    "إسماعيل|Ismail|Исмаил",
    "أنس|Anas|Анас",
    "سعد|Saad|Саад",
];

/// Arabic given names for girls: Arabic, Latin, Cyrillic.
pub(crate) static CHILD_GIRLS: &[&str] = &[
    "عائشة|Aisha|Аиша",
    "مريم|Maryam|Марьям",
    "صفية|Safiya|Сафия",
    "خديجة|Khadija|Хадиджа",
    "فاطمة|Fatima|Фатима",
    "حفصة|Hafsa|Хафса",
    "سمية|Sumayya|Сумайя",
    "آسيا|Asiya|Асия",
    "رقية|Ruqayya|Рукайя",
    "زينب|Zaynab|Зейнаб",
    "خولة|Khawla|Хавла",
    "نسيبة|Nusayba|Нусайба",
    "جويرية|Juwayriya|Джувайрия",
    "هاجر|Hajar|Хаджар",
    "أمينة|Amina|Амина",
    "أسماء|Asma|Асма",
];

/// Names commonly used in a kunya when no son's name gives one: Arabic and Latin.
pub(crate) static KUNYA_NAMES: &[&str] = &[
    "عبدالله|Abdullah",
    "محمد|Muhammad",
    "عمر|Umar",
    "حمزة|Hamza",
    "يوسف|Yusuf",
    "خالد|Khalid",
    "عبدالرحمن|Abdurrahman",
    "مصعب|Musab",
    "إبراهيم|Ibrahim",
    "سليمان|Sulayman",
];
