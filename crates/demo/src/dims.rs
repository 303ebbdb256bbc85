//! The dimension tables: stores, products, customers.
//!
//! Stores and product lines are fixed lists (real US cities; invented brands); prices,
//! popularity, store sizes and the customer list come from the seed. Text values never
//! contain quotes, so every one of them can be written as a search filter value.

use chrono::NaiveDate;

use crate::calendar::{epoch_days, ymd};
use crate::random::{Cumulative, Random};

pub const REGIONS: [&str; 4] = ["East", "West", "Central", "South"];

/// How much a region sells per store.
const REGION_FACTOR: [f64; 4] = [1.05, 1.2, 0.85, 1.0];

pub const STORE_TYPES: [&str; 4] = ["Flagship", "Mall", "Neighborhood", "Outlet"];
const STORE_TYPE_FACTOR: [f64; 4] = [2.3, 1.3, 0.75, 1.0];

/// (store name, city, state, region index, store type index, opened)
type StoreSpec = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
    (i32, u32, u32),
);

#[rustfmt::skip]
const STORES: &[StoreSpec] = &[
    ("Fifth Avenue", "New York", "NY", 0, 0, (2009, 4, 18)),
    ("Herald Square", "New York", "NY", 0, 1, (2012, 9, 1)),
    ("Brooklyn Heights", "Brooklyn", "NY", 0, 2, (2016, 5, 14)),
    ("Back Bay", "Boston", "MA", 0, 0, (2010, 3, 20)),
    ("Cambridge Galleria", "Cambridge", "MA", 0, 1, (2014, 8, 9)),
    ("Center City", "Philadelphia", "PA", 0, 1, (2011, 6, 11)),
    ("Pittsburgh Strip District", "Pittsburgh", "PA", 0, 2, (2015, 10, 3)),
    ("Newark Outlet", "Newark", "NJ", 0, 3, (2013, 11, 16)),
    ("Jersey City Newport", "Jersey City", "NJ", 0, 1, (2017, 4, 22)),
    ("Hartford Market", "Hartford", "CT", 0, 2, (2018, 2, 10)),
    ("Providence Place", "Providence", "RI", 0, 1, (2012, 5, 5)),
    ("Inner Harbor", "Baltimore", "MD", 0, 1, (2011, 9, 17)),
    ("Georgetown", "Washington", "DC", 0, 0, (2010, 11, 6)),
    ("Buffalo Elmwood", "Buffalo", "NY", 0, 2, (2019, 3, 9)),
    ("Portland Old Port", "Portland", "ME", 0, 2, (2017, 7, 15)),
    ("Albany Crossgates", "Albany", "NY", 0, 1, (2014, 3, 29)),
    ("Burlington Church Street", "Burlington", "VT", 0, 2, (2020, 6, 20)),
    ("Seattle Downtown", "Seattle", "WA", 1, 0, (2009, 9, 12)),
    ("Bellevue Square", "Bellevue", "WA", 1, 1, (2013, 4, 6)),
    ("Portland Pearl District", "Portland", "OR", 1, 2, (2012, 10, 20)),
    ("Union Square", "San Francisco", "CA", 1, 0, (2008, 11, 22)),
    ("San Jose Valley Fair", "San Jose", "CA", 1, 1, (2011, 3, 12)),
    ("Oakland Rockridge", "Oakland", "CA", 1, 2, (2016, 8, 27)),
    ("Los Angeles Grove", "Los Angeles", "CA", 1, 0, (2010, 5, 29)),
    ("San Diego Gaslamp", "San Diego", "CA", 1, 1, (2012, 7, 7)),
    ("Sacramento Outlet", "Sacramento", "CA", 1, 3, (2015, 5, 16)),
    ("Las Vegas Premium Outlet", "Las Vegas", "NV", 1, 3, (2014, 12, 6)),
    ("Phoenix Biltmore", "Phoenix", "AZ", 1, 1, (2013, 2, 23)),
    ("Denver Cherry Creek", "Denver", "CO", 1, 1, (2012, 4, 14)),
    ("Salt Lake City Gateway", "Salt Lake City", "UT", 1, 1, (2024, 5, 11)),
    ("Boise Downtown", "Boise", "ID", 1, 2, (2022, 9, 10)),
    ("Honolulu Ala Moana", "Honolulu", "HI", 1, 1, (2015, 11, 21)),
    ("Magnificent Mile", "Chicago", "IL", 2, 0, (2009, 6, 6)),
    ("Naperville Outlet", "Naperville", "IL", 2, 3, (2016, 9, 24)),
    ("Detroit Midtown", "Detroit", "MI", 2, 2, (2018, 5, 19)),
    ("Minneapolis Southdale", "Minneapolis", "MN", 2, 1, (2011, 10, 29)),
    ("St. Louis Galleria", "St. Louis", "MO", 2, 1, (2013, 8, 17)),
    ("Kansas City Plaza", "Kansas City", "MO", 2, 1, (2014, 4, 26)),
    ("Milwaukee Third Ward", "Milwaukee", "WI", 2, 2, (2017, 10, 14)),
    ("Indianapolis Circle Centre", "Indianapolis", "IN", 2, 1, (2012, 11, 10)),
    ("Columbus Easton", "Columbus", "OH", 2, 1, (2013, 6, 22)),
    ("Cleveland Outlet", "Cleveland", "OH", 2, 3, (2019, 4, 13)),
    ("Omaha Old Market", "Omaha", "NE", 2, 2, (2016, 3, 5)),
    ("Des Moines Valley West", "Des Moines", "IA", 2, 1, (2018, 9, 8)),
    ("Madison State Street", "Madison", "WI", 2, 2, (2020, 8, 15)),
    ("Cincinnati Kenwood", "Cincinnati", "OH", 2, 1, (2015, 2, 28)),
    ("Atlanta Lenox", "Atlanta", "GA", 3, 0, (2010, 8, 21)),
    ("Miami Brickell", "Miami", "FL", 3, 0, (2011, 12, 3)),
    ("Orlando Outlet", "Orlando", "FL", 3, 3, (2013, 3, 16)),
    ("Tampa Westshore", "Tampa", "FL", 3, 1, (2014, 10, 11)),
    ("Dallas NorthPark", "Dallas", "TX", 3, 1, (2011, 5, 21)),
    ("Houston Galleria", "Houston", "TX", 3, 0, (2010, 10, 9)),
    ("Austin South Congress", "Austin", "TX", 3, 2, (2022, 3, 19)),
    ("San Antonio Riverwalk", "San Antonio", "TX", 3, 1, (2015, 7, 25)),
    ("Nashville Gulch", "Nashville", "TN", 3, 2, (2023, 10, 7)),
    ("Charlotte SouthPark", "Charlotte", "NC", 3, 1, (2013, 9, 28)),
    ("Raleigh Crabtree", "Raleigh", "NC", 3, 1, (2023, 4, 15)),
    ("New Orleans Canal Street", "New Orleans", "LA", 3, 2, (2016, 11, 19)),
    ("Birmingham Summit", "Birmingham", "AL", 3, 1, (2017, 5, 6)),
    ("Charleston King Street", "Charleston", "SC", 3, 2, (2025, 2, 15)),
    ("Richmond Short Pump", "Richmond", "VA", 3, 3, (2018, 12, 1)),
];

/// A product line: (subcategory, item, lowest price, highest price).
type Item = (&'static str, &'static str, f64, f64);

pub struct CategorySpec {
    pub name: &'static str,
    brands: &'static [&'static str],
    /// Unit cost as a share of the price, lowest and highest.
    cost_share: (f64, f64),
    /// How much of the business the category is.
    share: f64,
    /// Seasonality by month (January first).
    pub season: [f64; 12],
    /// How much each region (in [`REGIONS`] order) favours the category.
    pub regions: [f64; 4],
    items: &'static [Item],
}

#[rustfmt::skip]
pub const CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: "Electronics",
        brands: &["Voltix", "Nimbus", "Arcwave", "Lumen"],
        cost_share: (0.68, 0.8),
        share: 1.25,
        season: [0.8, 0.75, 0.85, 0.85, 0.9, 0.9, 0.95, 1.25, 1.0, 1.0, 1.55, 1.75],
        regions: [1.0, 1.3, 0.9, 0.95],
        items: &[
            ("Audio", "Wireless Earbuds", 49.0, 179.0),
            ("Audio", "Noise Cancelling Headphones", 149.0, 349.0),
            ("Audio", "Bluetooth Speaker", 39.0, 149.0),
            ("Audio", "Soundbar", 149.0, 399.0),
            ("Computers", "14in Laptop", 549.0, 1299.0),
            ("Computers", "Wireless Mouse", 19.0, 59.0),
            ("Computers", "Mechanical Keyboard", 59.0, 149.0),
            ("Computers", "27in Monitor", 199.0, 449.0),
            ("Phones and Tablets", "10in Tablet", 249.0, 599.0),
            ("Phones and Tablets", "Phone Case", 15.0, 39.0),
            ("Phones and Tablets", "USB-C Charger", 19.0, 49.0),
            ("Phones and Tablets", "Smartwatch", 149.0, 399.0),
            ("TV and Video", "55in 4K TV", 399.0, 899.0),
            ("TV and Video", "Streaming Stick", 29.0, 59.0),
        ],
    },
    CategorySpec {
        name: "Home and Kitchen",
        brands: &["Hearthly", "Copperleaf", "Nestwell", "Oakmere"],
        cost_share: (0.5, 0.62),
        share: 1.1,
        season: [0.9, 0.85, 0.95, 1.0, 1.05, 0.95, 0.9, 0.95, 0.95, 1.0, 1.3, 1.45],
        regions: [1.1, 1.0, 1.05, 1.0],
        items: &[
            ("Cookware", "Nonstick Skillet", 24.0, 59.0),
            ("Cookware", "Cast Iron Dutch Oven", 49.0, 129.0),
            ("Cookware", "Chef Knife Set", 59.0, 199.0),
            ("Cookware", "Bamboo Cutting Board", 15.0, 39.0),
            ("Appliances", "Espresso Machine", 149.0, 499.0),
            ("Appliances", "High Speed Blender", 39.0, 129.0),
            ("Appliances", "Air Fryer", 69.0, 159.0),
            ("Appliances", "2 Slice Toaster", 29.0, 79.0),
            ("Home Decor", "Throw Blanket", 24.0, 69.0),
            ("Home Decor", "Scented Candle", 12.0, 29.0),
            ("Home Decor", "Ceramic Table Lamp", 34.0, 99.0),
            ("Bedding and Bath", "Cotton Sheet Set", 39.0, 119.0),
            ("Bedding and Bath", "Bath Towel Set", 24.0, 69.0),
            ("Bedding and Bath", "Memory Foam Pillow", 29.0, 69.0),
        ],
    },
    CategorySpec {
        name: "Apparel",
        brands: &["Northline", "Urbanthread", "Kestrel", "Mavenly"],
        cost_share: (0.38, 0.5),
        share: 1.35,
        season: [0.75, 0.8, 1.0, 1.05, 1.05, 0.95, 0.9, 1.15, 1.05, 1.05, 1.2, 1.35],
        regions: [1.2, 1.0, 0.95, 1.05],
        items: &[
            ("Mens", "Crew Neck T-Shirt", 12.0, 29.0),
            ("Mens", "Slim Fit Jeans", 39.0, 89.0),
            ("Mens", "Rain Jacket", 69.0, 179.0),
            ("Mens", "Merino Wool Sweater", 49.0, 119.0),
            ("Womens", "Wrap Dress", 39.0, 99.0),
            ("Womens", "High Rise Leggings", 29.0, 79.0),
            ("Womens", "Puffer Coat", 89.0, 229.0),
            ("Womens", "Linen Blouse", 29.0, 69.0),
            ("Footwear", "Running Shoes", 59.0, 149.0),
            ("Footwear", "Leather Boots", 99.0, 229.0),
            ("Footwear", "Canvas Sneakers", 39.0, 79.0),
            ("Accessories", "Leather Belt", 19.0, 49.0),
            ("Accessories", "Knit Beanie", 12.0, 29.0),
            ("Accessories", "Polarized Sunglasses", 19.0, 129.0),
        ],
    },
    CategorySpec {
        name: "Outdoor and Garden",
        brands: &["Trailhead", "Fernway", "Summitry"],
        cost_share: (0.5, 0.62),
        share: 0.75,
        season: [0.45, 0.5, 0.95, 1.5, 1.8, 1.75, 1.55, 1.2, 0.9, 0.7, 0.6, 0.65],
        regions: [0.9, 1.3, 0.95, 1.2],
        items: &[
            ("Camping", "2 Person Tent", 89.0, 249.0),
            ("Camping", "Down Sleeping Bag", 49.0, 149.0),
            ("Camping", "Camping Stove", 39.0, 99.0),
            ("Camping", "LED Headlamp", 15.0, 39.0),
            ("Garden", "Expandable Garden Hose", 24.0, 59.0),
            ("Garden", "Pruning Shears", 15.0, 39.0),
            ("Garden", "Raised Garden Bed", 59.0, 149.0),
            ("Garden", "Seed Starter Kit", 12.0, 29.0),
            ("Patio", "Patio Umbrella", 49.0, 149.0),
            ("Patio", "Outdoor String Lights", 19.0, 49.0),
            ("Patio", "Propane Grill", 199.0, 599.0),
        ],
    },
    CategorySpec {
        name: "Toys and Games",
        brands: &["Playforge", "Brightblock", "Wonderkin"],
        cost_share: (0.45, 0.58),
        share: 0.6,
        season: [0.55, 0.55, 0.7, 0.75, 0.75, 0.8, 0.85, 0.85, 0.8, 0.95, 1.9, 2.9],
        regions: [1.0, 1.0, 1.05, 1.05],
        items: &[
            ("Building Toys", "Building Blocks Set", 19.0, 99.0),
            ("Building Toys", "Marble Run Kit", 24.0, 59.0),
            ("Games and Puzzles", "Strategy Board Game", 24.0, 59.0),
            ("Games and Puzzles", "1000 Piece Puzzle", 14.0, 29.0),
            ("Games and Puzzles", "Family Card Game", 9.0, 19.0),
            ("Vehicles", "Remote Control Car", 29.0, 89.0),
            ("Dolls and Plush", "Plush Bear", 12.0, 29.0),
            ("Dolls and Plush", "Wooden Dollhouse", 79.0, 199.0),
            ("Arts and Crafts", "Art Supplies Kit", 19.0, 49.0),
            ("Arts and Crafts", "Junior Science Kit", 24.0, 59.0),
        ],
    },
    CategorySpec {
        name: "Sports and Fitness",
        brands: &["Pacer", "Ironpeak", "Flowstate"],
        cost_share: (0.48, 0.6),
        share: 0.7,
        season: [1.6, 1.2, 1.05, 1.0, 1.05, 1.05, 1.0, 0.95, 0.9, 0.85, 0.95, 1.05],
        regions: [0.95, 1.1, 1.2, 0.95],
        items: &[
            ("Fitness", "Yoga Mat", 19.0, 69.0),
            ("Fitness", "Adjustable Dumbbells", 99.0, 349.0),
            ("Fitness", "Resistance Bands", 12.0, 34.0),
            ("Fitness", "Foam Roller", 15.0, 39.0),
            ("Cycling", "Road Bike Helmet", 49.0, 149.0),
            ("Cycling", "U-Lock Bike Lock", 19.0, 59.0),
            ("Team Sports", "Soccer Ball", 19.0, 49.0),
            ("Team Sports", "Basketball", 24.0, 59.0),
            ("Hydration", "Insulated Water Bottle", 12.0, 39.0),
        ],
    },
    CategorySpec {
        name: "Beauty and Personal Care",
        brands: &["Lumiere", "Verdana", "Purecrest"],
        cost_share: (0.3, 0.45),
        share: 0.9,
        season: [0.9, 1.1, 0.95, 0.95, 1.15, 0.95, 0.95, 0.95, 0.9, 0.95, 1.1, 1.4],
        regions: [1.15, 1.05, 0.9, 1.0],
        items: &[
            ("Skincare", "Daily Moisturizer", 14.0, 49.0),
            ("Skincare", "Vitamin C Serum", 19.0, 69.0),
            ("Skincare", "Mineral Sunscreen SPF 50", 9.0, 24.0),
            ("Hair Care", "Argan Oil Shampoo", 9.0, 24.0),
            ("Hair Care", "Ionic Hair Dryer", 39.0, 149.0),
            ("Fragrance", "Eau de Parfum", 49.0, 129.0),
            ("Grooming", "Electric Razor", 39.0, 149.0),
            ("Grooming", "Beard Trimmer", 29.0, 79.0),
        ],
    },
];

#[rustfmt::skip]
const FIRST_NAMES: [&str; 60] = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily", "Joshua", "Michelle", "Kevin",
    "Amanda", "Brian", "Melissa", "Omar", "Priya", "Wei", "Sofia", "Mateo", "Aisha", "Hiroshi",
    "Elena", "Carlos", "Fatima", "Noah", "Olivia", "Liam", "Ava", "Ethan", "Mia", "Lucas",
    "Chloe", "Diego", "Grace", "Ivan", "Nora",
];

#[rustfmt::skip]
const LAST_NAMES: [&str; 60] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Singh",
    "Cohen", "Murphy", "Kowalski", "Novak", "Tanaka", "Silva",
];

pub const TIERS: [&str; 4] = ["Bronze", "Silver", "Gold", "Platinum"];
const TIER_SHARE: [f64; 4] = [0.52, 0.28, 0.14, 0.06];
const TIER_FREQUENCY: [f64; 4] = [1.0, 1.8, 3.2, 5.5];

pub const SEGMENTS: [&str; 3] = ["Consumer", "Corporate", "Home Office"];
const SEGMENT_SHARE: [f64; 3] = [0.56, 0.27, 0.17];

pub struct Store {
    pub id: i64,
    pub name: &'static str,
    pub store_type: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub region: usize,
    pub opened: NaiveDate,
    /// Relative sales of the store once established.
    pub weight: f64,
}

impl Store {
    /// The store's weight on a day: 0 before it opens, ramping up over its first 120 days.
    pub fn weight_on(&self, day: NaiveDate) -> f64 {
        let open_days = (day - self.opened).num_days();
        if open_days < 0 {
            0.0
        } else if open_days < 120 {
            self.weight * (0.4 + 0.6 * open_days as f64 / 120.0)
        } else {
            self.weight
        }
    }
}

pub struct Product {
    pub id: i64,
    pub name: String,
    pub category: usize,
    pub subcategory: &'static str,
    pub brand: &'static str,
    pub unit_price: f64,
    pub unit_cost: f64,
    /// Relative popularity inside its category.
    pub popularity: f64,
}

pub struct Customer {
    pub id: i64,
    pub name: String,
    pub tier: usize,
    pub since: NaiveDate,
    pub segment: usize,
    /// How often the customer buys, relatively.
    pub frequency: f64,
}

pub struct Dimensions {
    pub stores: Vec<Store>,
    pub products: Vec<Product>,
    pub customers: Vec<Customer>,
}

/// Streams of randomness, one per purpose.
const STREAM_STORES: u64 = 1;
const STREAM_PRODUCTS: u64 = 2;
const STREAM_CUSTOMERS: u64 = 3;

/// A price ending in .99 within `[lo, hi]`.
fn shelf_price(x: f64) -> f64 {
    x.floor().max(1.0) - 0.01
}

/// Rounds to cents.
pub fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Dimensions {
    /// The dimensions for a seed; the customer list grows with the number of sales lines.
    pub fn generate(seed: u64, rows: usize) -> Self {
        Self {
            stores: stores(seed),
            products: products(seed),
            customers: customers(seed, customer_count(rows)),
        }
    }

    /// Product draws for a region and month: cumulative weights over all products.
    pub fn product_table(&self, region: usize, month0: usize) -> Cumulative {
        let mut category_popularity = vec![0.0; CATEGORIES.len()];
        for p in &self.products {
            category_popularity[p.category] += p.popularity;
        }
        Cumulative::new(self.products.iter().map(|p| {
            let category = &CATEGORIES[p.category];
            category.share * category.season[month0] * category.regions[region] * p.popularity
                / category_popularity[p.category]
        }))
    }

    /// Customer draws: cumulative purchase frequency.
    pub fn customer_table(&self) -> Cumulative {
        Cumulative::new(self.customers.iter().map(|c| c.frequency))
    }
}

/// Customers for a number of sales lines: about one per 40 lines, between 500 and 50,000.
pub fn customer_count(rows: usize) -> usize {
    (rows / 40).clamp(500, 50_000)
}

fn stores(seed: u64) -> Vec<Store> {
    let mut random = Random::new(seed, STREAM_STORES);
    STORES
        .iter()
        .enumerate()
        .map(
            |(i, &(name, city, state, region, store_type, (y, m, d)))| Store {
                id: 101 + i as i64,
                name,
                store_type: STORE_TYPES[store_type],
                city,
                state,
                region,
                opened: ymd(y, m, d),
                weight: REGION_FACTOR[region]
                    * STORE_TYPE_FACTOR[store_type]
                    * random.uniform(0.75, 1.25),
            },
        )
        .collect()
}

fn products(seed: u64) -> Vec<Product> {
    let mut random = Random::new(seed, STREAM_PRODUCTS);
    let mut out = Vec::new();
    for (c, category) in CATEGORIES.iter().enumerate() {
        for (j, &(subcategory, item, lo, hi)) in category.items.iter().enumerate() {
            // Two products per line: a premium one and a value one, of different brands.
            for variant in 0..2 {
                let brand = category.brands[(j + variant) % category.brands.len()];
                let mid = (lo + hi) / 2.0;
                let price = if variant == 0 {
                    random.uniform(mid, hi)
                } else {
                    random.uniform(lo, mid)
                };
                let unit_price = shelf_price(price);
                let unit_cost = cents(
                    unit_price * random.uniform(category.cost_share.0, category.cost_share.1),
                );
                // A few best sellers, a long tail; cheaper and value products sell more often.
                let hit = 1.0 / (0.12 + random.unit());
                let value = if variant == 1 { 1.35 } else { 1.0 };
                let ratio: f64 = 60.0 / (unit_price + 40.0);
                let cheap = ratio.sqrt() * ratio.sqrt().sqrt();
                out.push(Product {
                    id: 10_001 + out.len() as i64,
                    name: format!("{brand} {item}"),
                    category: c,
                    subcategory,
                    brand,
                    unit_price,
                    unit_cost,
                    popularity: hit * value * cheap,
                });
            }
        }
    }
    out
}

fn customers(seed: u64, count: usize) -> Vec<Customer> {
    let mut random = Random::new(seed, STREAM_CUSTOMERS);
    // Every customer gets a distinct "First M. Last" name: a seeded shuffle of all of them.
    let combinations = FIRST_NAMES.len() * 26 * LAST_NAMES.len();
    let mut order: Vec<u32> = (0..combinations as u32).collect();
    for i in (1..order.len()).rev() {
        let j = random.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let first_day = epoch_days(ymd(2012, 1, 1));
    let last_day = epoch_days(ymd(2021, 12, 31));
    order
        .iter()
        .take(count.min(combinations))
        .enumerate()
        .map(|(i, &combination)| {
            let combination = combination as usize;
            let first = FIRST_NAMES[combination % FIRST_NAMES.len()];
            let initial = (b'A' + ((combination / FIRST_NAMES.len()) % 26) as u8) as char;
            let last = LAST_NAMES[combination / (FIRST_NAMES.len() * 26)];
            let tier = random.weighted(&TIER_SHARE);
            let since_day = random.between(i64::from(first_day), i64::from(last_day));
            Customer {
                id: 500_001 + i as i64,
                name: format!("{first} {initial}. {last}"),
                tier,
                since: NaiveDate::default() + chrono::Duration::days(since_day),
                segment: random.weighted(&SEGMENT_SHARE),
                frequency: TIER_FREQUENCY[tier] * random.uniform(0.4, 1.6),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_quote_free() {
        let dims = Dimensions::generate(7, 2_000_000);
        assert_eq!(dims.customers.len(), 50_000);
        let names: BTreeSet<&str> = dims.customers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), dims.customers.len());
        let products: BTreeSet<&str> = dims.products.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(products.len(), dims.products.len());
        let stores: BTreeSet<&str> = dims.stores.iter().map(|s| s.name).collect();
        assert_eq!(stores.len(), dims.stores.len());
        let texts = dims
            .products
            .iter()
            .map(|p| p.name.as_str())
            .chain(dims.stores.iter().flat_map(|s| [s.name, s.city, s.state]))
            .chain(dims.customers.iter().map(|c| c.name.as_str()));
        for text in texts {
            assert!(
                !text.contains('\'') && !text.contains('"') && !text.contains(','),
                "{text}"
            );
        }
    }

    #[test]
    fn prices_and_costs_are_sane() {
        for p in Dimensions::generate(1, 10_000).products {
            assert!(
                p.unit_price > 5.0 && p.unit_cost > 0.0 && p.unit_cost < p.unit_price,
                "{}",
                p.name
            );
            assert!(p.popularity > 0.0);
        }
    }
}
