//! model-core's side: the models of the benchmark schema, declared as an application would,
//! and 200 generated models in the bind `gen` for the create_all/drop_all workload (W14).
//!
//! The user-shaped tables are separate models because a model is one table: `users` (10,000
//! rows), `users_1` and `users_100` (W2 reads them so N is exact), `users_ins` (inserts),
//! `users_upd` (updates) and `users_del` (deletes).
//!
//! `users`, `posts` and `comments` are related as an application would declare them: a user
//! has many posts (`User::POSTS`, the reverse of `Post::USER`), a post many comments
//! (`Post::COMMENTS`), and users follow users through the association table `follows`
//! (`User::FOLLOWING`, `User::FOLLOWERS`), which `create_all` creates with the models and
//! `sql::tables` hands to every other contender.

use chrono::NaiveDateTime;
use model_core::{Auto, Model};

use crate::data::Row;

/// A model shaped like the users table, under its own table name, with the relationships in
/// brackets added to its `#[model(...)]`.
macro_rules! user_model {
    ($(#[$doc:meta] $name:ident $table:tt $([$($extra:tt)*])?,)*) => {$(
        #[$doc]
        #[derive(Model, Debug, Clone, PartialEq, Default)]
        #[model(table = $table $(, $($extra)*)?)]
        pub struct $name {
            #[column(primary_key)]
            pub id: Auto<i64>,
            pub name: String,
            #[column(index)]
            pub hair_color: Option<String>,
            pub created_at: NaiveDateTime,
        }

        impl From<&Row> for $name {
            /// A row to insert has id 0 (see `data::new_row`): its key is left unset.
            fn from(row: &Row) -> Self {
                $name {
                    id: if row.id == 0 { Auto::unset() } else { Auto::set(row.id) },
                    name: row.name.clone(),
                    hair_color: row.hair_color.clone(),
                    created_at: row.created_at,
                }
            }
        }
    )*};
}

user_model! {
    /// `users`: 10,000 rows, read by W1, W2 (all), W3, W3p, W4, W5, W12, W13.
    User "users" [
        has_many(posts = Post::USER),
        many_to_many(following = User::ID, table = "follows", columns(follower_id, followed_id)),
        many_to_many(followers = User::FOLLOWING)
    ],
    /// `users_1`: one row (W2).
    User1 "users_1",
    /// `users_100`: 100 rows (W2).
    User100 "users_100",
    /// `users_ins`: emptied before every insert batch (W6, W7, W8, W11).
    UserIns "users_ins",
    /// `users_upd`: a copy of `users` that W9 updates.
    UserUpd "users_upd",
    /// `users_del`: filled before every delete batch (W10).
    UserDel "users_del",
}

/// `posts`: 10 per user for the first 1,000 users.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "posts", has_many(comments = Comment::POST))]
pub struct Post {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = User::ID, index, belongs_to = user)]
    pub user_id: i64,
    pub title: String,
    pub body: String,
}

/// `comments`: 10 per post for the first 100 users' posts.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "comments")]
pub struct Comment {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Post::ID, index, belongs_to = post)]
    pub post_id: i64,
    pub text: String,
}

/// 200 models in the bind `gen`, so `create_all_in(BindSelection::Default)` never touches them and W14
/// can create and drop them as a startup would.
macro_rules! gen_models {
    ($($name:ident $table:tt,)*) => {
        $(
            /// A generated model for W14.
            #[derive(Model, Debug)]
            #[model(bind = "gen", table = $table)]
            #[allow(dead_code, reason = "only the table definition is used")]
            pub struct $name {
                #[column(primary_key)]
                pub id: Auto<i64>,
                #[column(length = 80)]
                pub name: String,
                #[column(index)]
                pub owner: Option<i64>,
                pub created_at: NaiveDateTime,
            }
        )*
        /// How many models `gen_models!` declared.
        pub const GEN_MODELS: usize = [$(stringify!($name)),*].len();
    };
}

gen_models! {
    GenTable000 "gen_table_000",
    GenTable001 "gen_table_001",
    GenTable002 "gen_table_002",
    GenTable003 "gen_table_003",
    GenTable004 "gen_table_004",
    GenTable005 "gen_table_005",
    GenTable006 "gen_table_006",
    GenTable007 "gen_table_007",
    GenTable008 "gen_table_008",
    GenTable009 "gen_table_009",
    GenTable010 "gen_table_010",
    GenTable011 "gen_table_011",
    GenTable012 "gen_table_012",
    GenTable013 "gen_table_013",
    GenTable014 "gen_table_014",
    GenTable015 "gen_table_015",
    GenTable016 "gen_table_016",
    GenTable017 "gen_table_017",
    GenTable018 "gen_table_018",
    GenTable019 "gen_table_019",
    GenTable020 "gen_table_020",
    GenTable021 "gen_table_021",
    GenTable022 "gen_table_022",
    GenTable023 "gen_table_023",
    GenTable024 "gen_table_024",
    GenTable025 "gen_table_025",
    GenTable026 "gen_table_026",
    GenTable027 "gen_table_027",
    GenTable028 "gen_table_028",
    GenTable029 "gen_table_029",
    GenTable030 "gen_table_030",
    GenTable031 "gen_table_031",
    GenTable032 "gen_table_032",
    GenTable033 "gen_table_033",
    GenTable034 "gen_table_034",
    GenTable035 "gen_table_035",
    GenTable036 "gen_table_036",
    GenTable037 "gen_table_037",
    GenTable038 "gen_table_038",
    GenTable039 "gen_table_039",
    GenTable040 "gen_table_040",
    GenTable041 "gen_table_041",
    GenTable042 "gen_table_042",
    GenTable043 "gen_table_043",
    GenTable044 "gen_table_044",
    GenTable045 "gen_table_045",
    GenTable046 "gen_table_046",
    GenTable047 "gen_table_047",
    GenTable048 "gen_table_048",
    GenTable049 "gen_table_049",
    GenTable050 "gen_table_050",
    GenTable051 "gen_table_051",
    GenTable052 "gen_table_052",
    GenTable053 "gen_table_053",
    GenTable054 "gen_table_054",
    GenTable055 "gen_table_055",
    GenTable056 "gen_table_056",
    GenTable057 "gen_table_057",
    GenTable058 "gen_table_058",
    GenTable059 "gen_table_059",
    GenTable060 "gen_table_060",
    GenTable061 "gen_table_061",
    GenTable062 "gen_table_062",
    GenTable063 "gen_table_063",
    GenTable064 "gen_table_064",
    GenTable065 "gen_table_065",
    GenTable066 "gen_table_066",
    GenTable067 "gen_table_067",
    GenTable068 "gen_table_068",
    GenTable069 "gen_table_069",
    GenTable070 "gen_table_070",
    GenTable071 "gen_table_071",
    GenTable072 "gen_table_072",
    GenTable073 "gen_table_073",
    GenTable074 "gen_table_074",
    GenTable075 "gen_table_075",
    GenTable076 "gen_table_076",
    GenTable077 "gen_table_077",
    GenTable078 "gen_table_078",
    GenTable079 "gen_table_079",
    GenTable080 "gen_table_080",
    GenTable081 "gen_table_081",
    GenTable082 "gen_table_082",
    GenTable083 "gen_table_083",
    GenTable084 "gen_table_084",
    GenTable085 "gen_table_085",
    GenTable086 "gen_table_086",
    GenTable087 "gen_table_087",
    GenTable088 "gen_table_088",
    GenTable089 "gen_table_089",
    GenTable090 "gen_table_090",
    GenTable091 "gen_table_091",
    GenTable092 "gen_table_092",
    GenTable093 "gen_table_093",
    GenTable094 "gen_table_094",
    GenTable095 "gen_table_095",
    GenTable096 "gen_table_096",
    GenTable097 "gen_table_097",
    GenTable098 "gen_table_098",
    GenTable099 "gen_table_099",
    GenTable100 "gen_table_100",
    GenTable101 "gen_table_101",
    GenTable102 "gen_table_102",
    GenTable103 "gen_table_103",
    GenTable104 "gen_table_104",
    GenTable105 "gen_table_105",
    GenTable106 "gen_table_106",
    GenTable107 "gen_table_107",
    GenTable108 "gen_table_108",
    GenTable109 "gen_table_109",
    GenTable110 "gen_table_110",
    GenTable111 "gen_table_111",
    GenTable112 "gen_table_112",
    GenTable113 "gen_table_113",
    GenTable114 "gen_table_114",
    GenTable115 "gen_table_115",
    GenTable116 "gen_table_116",
    GenTable117 "gen_table_117",
    GenTable118 "gen_table_118",
    GenTable119 "gen_table_119",
    GenTable120 "gen_table_120",
    GenTable121 "gen_table_121",
    GenTable122 "gen_table_122",
    GenTable123 "gen_table_123",
    GenTable124 "gen_table_124",
    GenTable125 "gen_table_125",
    GenTable126 "gen_table_126",
    GenTable127 "gen_table_127",
    GenTable128 "gen_table_128",
    GenTable129 "gen_table_129",
    GenTable130 "gen_table_130",
    GenTable131 "gen_table_131",
    GenTable132 "gen_table_132",
    GenTable133 "gen_table_133",
    GenTable134 "gen_table_134",
    GenTable135 "gen_table_135",
    GenTable136 "gen_table_136",
    GenTable137 "gen_table_137",
    GenTable138 "gen_table_138",
    GenTable139 "gen_table_139",
    GenTable140 "gen_table_140",
    GenTable141 "gen_table_141",
    GenTable142 "gen_table_142",
    GenTable143 "gen_table_143",
    GenTable144 "gen_table_144",
    GenTable145 "gen_table_145",
    GenTable146 "gen_table_146",
    GenTable147 "gen_table_147",
    GenTable148 "gen_table_148",
    GenTable149 "gen_table_149",
    GenTable150 "gen_table_150",
    GenTable151 "gen_table_151",
    GenTable152 "gen_table_152",
    GenTable153 "gen_table_153",
    GenTable154 "gen_table_154",
    GenTable155 "gen_table_155",
    GenTable156 "gen_table_156",
    GenTable157 "gen_table_157",
    GenTable158 "gen_table_158",
    GenTable159 "gen_table_159",
    GenTable160 "gen_table_160",
    GenTable161 "gen_table_161",
    GenTable162 "gen_table_162",
    GenTable163 "gen_table_163",
    GenTable164 "gen_table_164",
    GenTable165 "gen_table_165",
    GenTable166 "gen_table_166",
    GenTable167 "gen_table_167",
    GenTable168 "gen_table_168",
    GenTable169 "gen_table_169",
    GenTable170 "gen_table_170",
    GenTable171 "gen_table_171",
    GenTable172 "gen_table_172",
    GenTable173 "gen_table_173",
    GenTable174 "gen_table_174",
    GenTable175 "gen_table_175",
    GenTable176 "gen_table_176",
    GenTable177 "gen_table_177",
    GenTable178 "gen_table_178",
    GenTable179 "gen_table_179",
    GenTable180 "gen_table_180",
    GenTable181 "gen_table_181",
    GenTable182 "gen_table_182",
    GenTable183 "gen_table_183",
    GenTable184 "gen_table_184",
    GenTable185 "gen_table_185",
    GenTable186 "gen_table_186",
    GenTable187 "gen_table_187",
    GenTable188 "gen_table_188",
    GenTable189 "gen_table_189",
    GenTable190 "gen_table_190",
    GenTable191 "gen_table_191",
    GenTable192 "gen_table_192",
    GenTable193 "gen_table_193",
    GenTable194 "gen_table_194",
    GenTable195 "gen_table_195",
    GenTable196 "gen_table_196",
    GenTable197 "gen_table_197",
    GenTable198 "gen_table_198",
    GenTable199 "gen_table_199",
}
